using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Cluster.Load;

/// <summary>The few client API calls the load needs, over one shared HttpClient.</summary>
internal sealed class MatrixHttp(HttpClient http)
{
    public async Task<JsonObject> SendAsync(HttpMethod method, string path, string? token, JsonNode? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        var parsed = text.Length > 0 ? JsonNode.Parse(text) as JsonObject : null;
        if (!response.IsSuccessStatusCode && !(response.StatusCode == System.Net.HttpStatusCode.Unauthorized && parsed?["session"] is not null))
            throw new HttpRequestException($"{method} {path}: {(int)response.StatusCode} {text}");
        return parsed ?? [];
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
