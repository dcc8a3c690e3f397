namespace Cluster.Shared.Json;

/// <summary>
/// A value has no canonical JSON form: an unpaired surrogate, a non-finite number, a duplicate key
/// in a <see cref="System.Text.Json.JsonElement"/>, or nesting too deep to encode safely.
/// </summary>
public sealed class CanonicalJsonException(string message) : Exception(message);
