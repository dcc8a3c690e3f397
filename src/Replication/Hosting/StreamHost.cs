using Cluster.Replication.Bus;
using Cluster.Replication.Notifier;
using Cluster.Replication.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Cluster.Replication.Hosting;

/// <summary>
/// One stream in this process: always a follower (what readers serve and what wakes the
/// notifier), and a writer when this instance writes the stream. Consumers are added before
/// the host starts.
/// </summary>
public sealed class StreamHost<TRow>(
    StreamDefinition<TRow> definition, bool writes, NpgsqlDataSource dataSource, IReplicationBus bus,
    StreamNotifier notifier, LocalInstance instance, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly List<IStreamConsumer<TRow>> _consumers = [];
    private StreamWriter<TRow>? _writer;
    private StreamFollower<TRow>? _follower;

    public StreamDefinition<TRow> Definition => definition;
    public string Name => definition.Name;
    public bool Writes => writes;

    /// <summary>This instance's writer; only where the instance writes the stream.</summary>
    public StreamWriter<TRow> Writer => _writer
        ?? throw new InvalidOperationException(writes
            ? $"The {definition.Name} stream has not started yet."
            : $"Instance {instance.Name} does not write the {definition.Name} stream.");

    public StreamFollower<TRow> Follower => _follower ?? throw new InvalidOperationException($"The {definition.Name} stream has not started yet.");

    public StreamStore<TRow> Store { get; } = new(definition, dataSource);

    public void AddConsumer(IStreamConsumer<TRow> consumer)
    {
        if (_follower is not null)
            throw new InvalidOperationException("Consumers are added before the stream starts.");
        _consumers.Add(consumer);
    }

    public void AddConsumer(Func<StreamBatch<TRow>, ValueTask> apply) => AddConsumer(new DelegateStreamConsumer<TRow>(apply));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The writer first: readers that catch up must already know of it.
        if (writes)
            _writer = await StreamWriter<TRow>.StartAsync(
                definition, dataSource, bus, instance.WriterId, logger: loggerFactory.CreateLogger<StreamWriter<TRow>>(),
                cancellationToken: cancellationToken);
        var follower = new StreamFollower<TRow>(
            definition, dataSource, bus, notifier: notifier, logger: loggerFactory.CreateLogger<StreamFollower<TRow>>());
        foreach (var consumer in _consumers)
            follower.AddConsumer(consumer);
        await follower.StartAsync(cancellationToken);
        _follower = follower;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_writer is { } writer)
            await writer.DisposeAsync();
        if (_follower is { } follower)
            await follower.DisposeAsync();
    }
}
