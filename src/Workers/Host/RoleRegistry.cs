namespace Cluster.Workers.Host;

/// <summary>
/// The worker roles a process can host. Each role becomes a module (endpoints,
/// hosted services, stream subscriptions) as the issues that build it land; until
/// then a worker refuses names it does not know.
/// </summary>
public static class RoleRegistry
{
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        "sync_reader", "client_reader", "event_creator", "event_persister", "stream_writer",
        "federation_reader", "federation_sender", "background",
    };

    /// <summary>
    /// The modules built so far, in the order their services register (a module whose hosted
    /// services need another's comes after it). Main hosts all of them in single-process mode.
    /// </summary>
    public static IReadOnlyList<IRoleModule> Modules { get; } =
    [
        new ClientReader.Accounts.AccountsModule(),
        new ClientReader.Directory.DirectoryModule(),
        new ClientReader.Presence.PresenceModule(),
        new ClientReader.Filters.FiltersModule(),
        new StreamWriters.Typing.TypingModule(),
        new StreamWriters.AccountData.AccountDataModule(),
        new StreamWriters.Receipts.ReceiptsModule(),
        new StreamWriters.ToDevice.ToDeviceModule(),
        new StreamWriters.PushRules.PushRulesModule(),
        new EventPersister.EventPersisterModule(),
        new EventCreator.EventCreatorModule(),
        new ClientReader.Rooms.RoomsReaderModule(),
        new SyncReader.SyncModule(),
        new ClientReader.Messages.MessagesModule(),
        new Background.BackgroundModule(),
        new FederationReader.FederationReaderModule(),
        new FederationSender.FederationSenderModule(),
    ];

    /// <summary>The modules a process with <paramref name="roles"/> hosts, each once, in registration order.</summary>
    public static IReadOnlyList<IRoleModule> ModulesFor(IReadOnlyCollection<string> roles) =>
        [.. Modules.Where(m => roles.Contains(m.Name) || m.AlsoHostedBy.Any(roles.Contains))];
}
