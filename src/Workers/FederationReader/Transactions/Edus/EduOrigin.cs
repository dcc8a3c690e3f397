using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Identifiers;

namespace Cluster.Workers.FederationReader.Transactions.Edus;

/// <summary>Checks shared by the EDU handlers on what another server may speak for.</summary>
internal static class EduOrigin
{
    /// <summary>The node is a user ID of the origin server: a server may only speak for its own users.</summary>
    public static bool IsUserOf(string origin, JsonNode? node, [NotNullWhen(true)] out string? userId)
    {
        userId = Pdu.StringOf(node);
        return UserId.TryParse(userId, out var user) && user.ServerNameSpan.SequenceEqual(origin);
    }
}
