using System.Text.Json.Nodes;
using Cluster.Shared.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>A stand-in for another server on loopback that answers every request with <c>handler</c>.</summary>
public sealed class FakeRemoteServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeRemoteServer(WebApplication app, int port)
    {
        _app = app;
        ServerName = $"127.0.0.1:{port}";
    }

    public string ServerName { get; }

    public static async Task<FakeRemoteServer> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new FakeRemoteServer(app, address.Port);
    }

    /// <summary>A server that answers every request with <paramref name="status"/> and no body.</summary>
    public static Task<FakeRemoteServer> AnsweringAsync(int status) => StartAsync(context =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    });

    /// <summary>Answers <c>/_matrix/key/v2/server</c> as <paramref name="serverName"/> with <paramref name="key"/>, valid for an hour.</summary>
    public static Task WriteKeyDocumentAsync(HttpContext context, string serverName, Ed25519SigningKey key)
    {
        var doc = new JsonObject
        {
            ["server_name"] = serverName,
            ["valid_until_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000,
            ["verify_keys"] = new JsonObject { [key.KeyId.ToString()] = new JsonObject { ["key"] = key.PublicKeyBase64 } },
            ["old_verify_keys"] = new JsonObject(),
        };
        JsonSignatures.Sign(doc, serverName, key);
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(doc.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
