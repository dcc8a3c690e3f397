using System.Text;
using System.Text.Json.Nodes;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Integration.Tests.StreamWrites;

/// <summary>What crosses the hop to a stream's writer: its errors and where its writes landed.</summary>
public class RemoteStreamWriterTests
{
    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    [Test]
    public void A_writers_Matrix_error_keeps_its_status_errcode_and_message()
    {
        var error = RemoteStreamWriter.MatrixError(404, Json("""{"errcode":"M_NOT_FOUND","error":"The push rule was not found."}"""));

        Assert.That((error?.Status, error?.ErrCode, error?.Message), Is.EqualTo((404, "M_NOT_FOUND", "The push rule was not found.")));
        Assert.That(error!.Extra, Is.Null);
    }

    [Test]
    public void A_writers_Matrix_error_keeps_its_extra_fields()
    {
        var error = RemoteStreamWriter.MatrixError(429, Json("""{"errcode":"M_LIMIT_EXCEEDED","error":"slow down","retry_after_ms":1500}"""));

        Assert.That(error!.Extra?["retry_after_ms"]?.GetValue<long>(), Is.EqualTo(1500));
    }

    [TestCase(500, "Internal Server Error")]
    [TestCase(502, "")]
    [TestCase(400, "[1,2]")]
    [TestCase(400, """{"error":"no errcode"}""")]
    [TestCase(400, """{"errcode":7}""")]
    [TestCase(200, """{"errcode":"M_UNKNOWN"}""")]
    public void An_answer_that_is_not_a_Matrix_error_is_not_relayed_as_one(int status, string body) =>
        Assert.That(RemoteStreamWriter.MatrixError(status, Json(body)), Is.Null);

    [Test]
    public void Where_a_write_landed_survives_the_hop()
    {
        var written = new StreamWritten("typing", 3, 12_345_678_901);

        Assert.That(StreamWritten.FromJson(JsonNode.Parse(written.ToJson().ToJsonString())), Is.EqualTo(written));
    }

    [TestCase("""{"stream":"typing","writer_id":3}""")]
    [TestCase("""{"stream":"typing","writer_id":"3","position":4}""")]
    [TestCase("""{"stream":5,"writer_id":3,"position":4}""")]
    [TestCase("[]")]
    [TestCase("null")]
    public void A_malformed_write_position_reads_as_none(string json) =>
        Assert.That(StreamWritten.FromJson(JsonNode.Parse(json)), Is.Null);
}
