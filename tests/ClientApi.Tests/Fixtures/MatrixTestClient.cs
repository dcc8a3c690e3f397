using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Cluster.ClientApi.Tests.Fixtures;

/// <summary>A response as tests look at it: the status and the parsed JSON body (null if none).</summary>
public sealed record MatrixResponse(HttpStatusCode Status, JsonNode? Body)
{
    public JsonObject Object => Body as JsonObject ?? throw new AssertionException($"Expected a JSON object, got {Body?.ToJsonString() ?? "no body"}");

    public string? ErrCode => (Body as JsonObject)?["errcode"]?.GetValue<string>();

    /// <summary>Fails the test with the body when the status is not <paramref name="expected"/>.</summary>
    public MatrixResponse Expect(HttpStatusCode expected)
    {
        if (Status != expected)
            Assert.Fail($"Expected {(int)expected} {expected}, got {(int)Status} {Status}: {Body?.ToJsonString()}");
        return this;
    }

    public JsonObject Ok() => Expect(HttpStatusCode.OK).Object;
}

/// <summary>Plain HTTP to the client API; an access token when it has one.</summary>
public sealed class MatrixTestClient(HttpClient http, string? accessToken) : IDisposable
{
    public string? AccessToken { get; set; } = accessToken;
    public HttpClient Http => http;

    public Task<MatrixResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path);
    public Task<MatrixResponse> PostAsync(string path, JsonNode? body) => SendAsync(HttpMethod.Post, path, body);
    public Task<MatrixResponse> PutAsync(string path, JsonNode? body) => SendAsync(HttpMethod.Put, path, body);
    public Task<MatrixResponse> DeleteAsync(string path, JsonNode? body = null) => SendAsync(HttpMethod.Delete, path, body);

    public Task<MatrixResponse> SendAsync(HttpMethod method, string path, JsonNode? body = null) =>
        SendRawAsync(method, path, body is null ? null : Encoding.UTF8.GetBytes(body.ToJsonString()));

    /// <summary>Sends the bytes as they are (for malformed-input tests).</summary>
    public async Task<MatrixResponse> SendRawAsync(HttpMethod method, string path, byte[]? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (AccessToken is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        using var response = await http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        JsonNode? parsed = null;
        if (bytes.Length > 0)
        {
            try
            {
                parsed = JsonNode.Parse(bytes);
            }
            catch (System.Text.Json.JsonException)
            {
                Assert.Fail($"{method} {path} answered {(int)response.StatusCode} with a body that is not JSON: {Encoding.UTF8.GetString(bytes)}");
            }
        }
        return new MatrixResponse(response.StatusCode, parsed);
    }

    public void Dispose() => http.Dispose();
}
