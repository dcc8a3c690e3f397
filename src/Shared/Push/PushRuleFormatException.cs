namespace Cluster.Shared.Push;

/// <summary>A push rule, condition or action list from a client does not have the spec's shape.</summary>
public sealed class PushRuleFormatException(string message) : Exception(message);
