using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.ClientApi.Tests.Fixtures;

/// <summary>
/// Counts the PostgreSQL round trips (Npgsql command and batch executions) a request makes: a
/// request carrying the <see cref="Header"/> header is tagged for its whole async flow, and
/// Npgsql's activities started under the tag are counted against it, whatever else the server
/// does meanwhile (stream followers, other requests).
/// </summary>
public sealed class DatabaseRoundTrips : IDisposable
{
    public const string Header = "X-Test-Round-Trips";

    private static readonly AsyncLocal<Tagged?> Current = new();
    private readonly ConcurrentDictionary<string, Tagged> _byTag = new(StringComparer.Ordinal);
    private readonly ActivityListener _listener;

    public DatabaseRoundTrips()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            // Stopped, not started: Npgsql sets the statement's tags after starting the activity.
            ActivityStopped = activity =>
            {
                if (Current.Value is { } tagged)
                    tagged.Statements.Enqueue(Describe(activity));
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Registers the middleware that tags requests; pass to <c>Homeserver.StartAsync(services: ...)</c>.</summary>
    public void AddTo(IServiceCollection services) => services.AddSingleton<IStartupFilter>(new TagRequests(this));

    /// <summary>What the request sent with <see cref="Header"/> = <paramref name="tag"/> executed, in order.</summary>
    public IReadOnlyList<string> Of(string tag) => _byTag.TryGetValue(tag, out var tagged) ? [.. tagged.Statements] : [];

    public void Dispose() => _listener.Dispose();

    private static string Describe(Activity activity) =>
        (activity.GetTagItem("db.query.text") as string ?? activity.DisplayName).ReplaceLineEndings(" ");

    private sealed class Tagged
    {
        public ConcurrentQueue<string> Statements { get; } = new();
    }

    private sealed class TagRequests(DatabaseRoundTrips owner) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (HttpContext context, RequestDelegate nextMiddleware) =>
            {
                if (context.Request.Headers[Header].ToString() is { Length: > 0 } tag)
                    Current.Value = owner._byTag.GetOrAdd(tag, _ => new Tagged());
                await nextMiddleware(context);
            });
            next(app);
        };
    }
}
