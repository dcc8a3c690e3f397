using System.Text.Json.Nodes;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Auth;

/// <summary>Which state events an event must cite as auth events (spec: "Auth events selection").</summary>
public static class AuthEventSelection
{
    public static IReadOnlyList<(string Type, string StateKey)> Select(
        RoomVersion version, string type, string? stateKey, string sender, JsonObject content) =>
        throw new NotImplementedException("auth event selection lands in the auth helper's branch");
}
