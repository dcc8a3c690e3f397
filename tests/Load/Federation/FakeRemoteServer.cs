using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cluster.Load.Federation;

/// <summary>
/// This tool as another homeserver on loopback, named <c>127.0.0.1:PORT</c> after its port
/// (plain HTTP, as servers started with AllowPlainHttp reach it): an Ed25519 key of its own,
/// published at <c>/_matrix/key/v2/server</c>, and a <c>/send</c> endpoint that answers every
/// transaction 200 and hands its PDUs to <see cref="Received"/>. Every other request is 404.
/// </summary>
internal sealed class FakeRemoteServer : IAsyncDisposable
{
    private const string SendPath = "/_matrix/federation/v1/send/";

    private readonly WebApplication _app;

    private FakeRemoteServer(WebApplication app, int port)
    {
        _app = app;
        ServerName = $"127.0.0.1:{port}";
    }

    public string ServerName { get; }

    public Ed25519SigningKey Key { get; } = Ed25519SigningKey.Generate("load");

    /// <summary>The version of the room PDUs arrive in, to name them in the answer (set once joined).</summary>
    public RoomVersion? RoomVersion { get; set; }

    /// <summary>Called with the PDUs of each transaction as it arrives (a retried transaction ID too).</summary>
    public Action<IReadOnlyList<JsonObject>>? Received { get; set; }

    /// <summary>Transactions received.</summary>
    public int Transactions => Volatile.Read(ref _transactions);

    private int _transactions;

    public static async Task<FakeRemoteServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeRemoteServer? server = null;
        app.Run(context => server!.HandleAsync(context));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        server = new FakeRemoteServer(app, address.Port);
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (context.Request.Method == "GET" && path == "/_matrix/key/v2/server")
        {
            await WriteJsonAsync(context, KeyDocument());
            return;
        }
        if (context.Request.Method == "PUT" && path.StartsWith(SendPath, StringComparison.Ordinal))
        {
            var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject;
            var pdus = (body?["pdus"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            Interlocked.Increment(ref _transactions);
            Received?.Invoke(pdus);
            var results = new JsonObject();
            if (RoomVersion is { } version)
                foreach (var pdu in pdus)
                    results[EventIds.Of(pdu, version)] = new JsonObject();
            await WriteJsonAsync(context, new JsonObject { ["pdus"] = results });
            return;
        }
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        await WriteJsonAsync(context, new JsonObject { ["errcode"] = "M_UNRECOGNIZED", ["error"] = "Not served by the load tool's remote server" });
    }

    private JsonObject KeyDocument()
    {
        var document = new JsonObject
        {
            ["server_name"] = ServerName,
            ["valid_until_ts"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds(),
            ["verify_keys"] = new JsonObject { [Key.KeyId.ToString()] = new JsonObject { ["key"] = Key.PublicKeyBase64 } },
            ["old_verify_keys"] = new JsonObject(),
        };
        JsonSignatures.Sign(document, ServerName, Key);
        return document;
    }

    private static Task WriteJsonAsync(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Key.Dispose();
    }
}
