using System.Text.Json.Nodes;

namespace Cluster.Workers.EventCreator.Building;

/// <summary>
/// An event as a client asks for it: type, state key, sender and content. The builder adds the
/// room's graph and auth references, the timestamp, hashes and signature.
/// </summary>
/// <param name="TopLevel">Extra top-level fields (the <c>redacts</c> of a redaction before room version 11).</param>
public sealed record EventDraft(string Type, string? StateKey, string Sender, JsonObject Content, JsonObject? TopLevel = null);
