using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Cluster.Load;

/// <summary>The few client API calls the load needs, over one shared HttpClient.</summary>
internal sealed class MatrixHttp(HttpClient http)
{
    /// <summary>Requests refused with 429 and retried after the server's retry_after_ms, as a real client does.</summary>
    public int RateLimited;

    public async Task<JsonObject> SendAsync(HttpMethod method, string path, string? token, JsonNode? body, CancellationToken ct)
    {
        while (true)
        {
            var (status, parsed, text) = await SendOnceAsync(method, path, token, body, ct);
            if (status != System.Net.HttpStatusCode.TooManyRequests)
            {
                if ((int)status >= 300 && !(status == System.Net.HttpStatusCode.Unauthorized && parsed?["session"] is not null))
                    throw new HttpRequestException($"{method} {path}: {(int)status} {text}");
                return parsed ?? [];
            }
            Interlocked.Increment(ref RateLimited);
            var wait = parsed?["retry_after_ms"]?.GetValue<long>() ?? 100;
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(wait, 10, 10_000)), ct);
        }
    }

    private async Task<(System.Net.HttpStatusCode, JsonObject?, string)> SendOnceAsync(
        HttpMethod method, string path, string? token, JsonNode? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        var parsed = text.Length > 0 ? JsonNode.Parse(text) as JsonObject : null;
        return (response.StatusCode, parsed, text);
    }

    public async Task<(string UserId, string Token)> RegisterAsync(string localpart, CancellationToken ct)
    {
        const string path = "_matrix/client/v3/register";
        var first = await SendAsync(HttpMethod.Post, path, null, new JsonObject { ["username"] = localpart, ["password"] = "load-test-password" }, ct);
        var done = first["access_token"] is null
            ? await SendAsync(HttpMethod.Post, path, null, new JsonObject
            {
                ["username"] = localpart,
                ["password"] = "load-test-password",
                ["auth"] = new JsonObject { ["type"] = "m.login.dummy", ["session"] = first["session"]?.GetValue<string>() },
            }, ct)
            : first;
        return (done["user_id"]!.GetValue<string>(), done["access_token"]!.GetValue<string>());
    }
}
