using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cluster.Router.Tests.Support;

/// <summary>
/// Stands in for one instance of the topology: answers every request on its listen address with
/// its own name and what it received (method, path, forwarded headers, body size), answers
/// <c>/health</c> as <see cref="Healthy"/> says, and counts what reaches its internal address.
/// </summary>
internal sealed class FakeInstance(string name, IReadOnlyList<string> roles, int listenPort, int internalPort) : IAsyncDisposable
{
    private WebApplication? _app;
    private int _internalHits;

    public string Name { get; } = name;
    public IReadOnlyList<string> Roles { get; } = roles;
    public int ListenPort { get; } = listenPort;
    public int InternalPort { get; } = internalPort;

    /// <summary>What <c>/health</c> answers: 200 when true, 503 when false.</summary>
    public volatile bool Healthy = true;

    public bool Running => _app is not null;

    /// <summary>Every request other than /health that reached the listen address: "METHOD path".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>The request targets as they arrived on the wire (escapes and all).</summary>
    public ConcurrentQueue<string> RawTargets { get; } = new();

    public int InternalHits => Volatile.Read(ref _internalHits);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{ListenPort}", $"http://127.0.0.1:{InternalPort}");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        app.Run(AnswerAsync);
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Stops listening: the router's connections are then refused, as with a killed process.</summary>
    public async Task StopAsync()
    {
        if (_app is null)
            return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        if (context.Connection.LocalPort == InternalPort)
            Interlocked.Increment(ref _internalHits);
        if (context.Request.Path == "/health")
        {
            context.Response.StatusCode = Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync(Healthy ? "OK" : "unwell");
            return;
        }
        // Read the body as a real handler would, before answering.
        long bodyBytes = 0;
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            bodyBytes += read;
        Requests.Enqueue($"{context.Request.Method} {context.Request.Path}");
        RawTargets.Enqueue(context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? "");
        var headers = context.Request.Headers;
        var answer = new JsonObject
        {
            ["instance"] = Name,
            ["method"] = context.Request.Method,
            ["path"] = context.Request.Path.Value,
            ["query"] = context.Request.QueryString.Value,
            ["raw_target"] = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget,
            ["x_forwarded_for"] = headers["X-Forwarded-For"].ToString(),
            ["x_forwarded_proto"] = headers["X-Forwarded-Proto"].ToString(),
            ["x_forwarded_host"] = headers["X-Forwarded-Host"].ToString(),
            ["authorization"] = headers.Authorization.ToString(),
            ["body_bytes"] = bodyBytes,
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
