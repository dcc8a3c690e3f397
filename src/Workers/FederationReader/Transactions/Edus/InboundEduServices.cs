using Cluster.Replication.Streams.Receipts;
using Cluster.Replication.Streams.ToDevice;
using Cluster.Replication.Streams.Typing;
using Cluster.Shared.Storage.Federation;
using Cluster.Workers.FederationReader.Devices;
using Cluster.Workers.StreamWriters.Common;
using Cluster.Workers.StreamWriters.Receipts;
using Cluster.Workers.StreamWriters.ToDevice;
using Cluster.Workers.StreamWriters.Typing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.FederationReader.Transactions.Edus;

public static class InboundEduServices
{
    /// <summary>
    /// <see cref="InboundEdus"/> and the writes it needs: the remote device list cache, and typing, receipts and to-device, each
    /// through the stream's writer (this process when it writes the stream, else the writer
    /// instance, as a client reader's writes go). The streams are followed here too, which is
    /// how a write waits until it can be seen. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddInboundEdus(this IServiceCollection services)
    {
        services.AddStreamWriterCommon();
        services.AddTypingStream();
        services.AddReceiptsStream();
        services.AddToDeviceStream();
        services.AddStreamWrites<ITypingWriter, TypingWriter>(TypingStream.StreamName, remote => new RemoteTypingWriter(remote));
        services.AddStreamWrites<IReceiptWriter, ReceiptWriter>(ReceiptsStream.StreamName, remote => new RemoteReceiptWriter(remote));
        services.AddStreamWrites<IToDeviceSender, ToDeviceSender>(ToDeviceStream.StreamName, remote => new RemoteToDeviceSender(remote));
        services.TryAddSingleton<InboundTyping>();
        services.TryAddSingleton<InboundReceipts>();
        services.TryAddSingleton<InboundToDevice>();
        services.TryAddSingleton<RemoteDeviceListStore>();
        services.TryAddSingleton<RoomsSharedWithLocalUsers>();
        services.TryAddSingleton<DeviceListResyncSignal>();
        services.TryAddSingleton<InboundDeviceListUpdates>();
        services.TryAddSingleton<InboundEdus>();
        return services;
    }
}
