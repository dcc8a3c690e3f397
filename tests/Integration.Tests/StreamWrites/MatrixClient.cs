using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Integration.Tests.StreamWrites;

/// <summary>A response: the status and the JSON body (null when there is none).</summary>
internal sealed record MatrixResponse(HttpStatusCode Status, JsonNode? Body)
{
    public string? ErrCode => (Body as JsonObject)?["errcode"]?.GetValue<string>();

    public JsonObject Ok()
    {
        if (Status != HttpStatusCode.OK || Body is not JsonObject body)
            throw new AssertionException($"Expected 200 with a JSON object, got {(int)Status}: {Body?.ToJsonString()}");
        return body;
    }
}

/// <summary>Plain HTTP to one instance's client API (or internal address), with an access token when it has one.</summary>
internal sealed class MatrixClient(Uri baseAddress, string? accessToken = null) : IDisposable
{
    public const string V3 = "/_matrix/client/v3";

    // Non-ASCII as UTF-8, as clients send it, not \u escapes six bytes long.
    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(40) };

    public Task<MatrixResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path);
    public Task<MatrixResponse> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, body);
    public Task<MatrixResponse> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body);
    public Task<MatrixResponse> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public async Task<MatrixResponse> SendAsync(HttpMethod method, string path, JsonNode? body = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (accessToken is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.Add(name, value);
        if (body is not null)
            request.Content = new StringContent(body.ToJsonString(Unescaped), Encoding.UTF8, "application/json");
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new MatrixResponse(response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public void Dispose() => _http.Dispose();
}
