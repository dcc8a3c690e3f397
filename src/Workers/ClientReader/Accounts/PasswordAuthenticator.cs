using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Accounts;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>
/// Checks <c>m.login.password</c> credentials, for /login and for the user-interactive auth stage:
/// the user from <c>identifier</c> (<c>m.id.user</c>) or the legacy top-level <c>user</c>, and
/// the password against its Argon2id hash.
/// </summary>
public sealed class PasswordAuthenticator(UserStore users, IOptions<ClusterOptions> cluster)
{
    // Unknown users are checked against this hash too, so the answer's timing does not tell
    // which user IDs exist.
    private static readonly Lazy<string> DecoyHash = new(() => PasswordHasher.Hash(Guid.NewGuid().ToString()));

    /// <summary>
    /// The account the credentials in <paramref name="auth"/> prove, else 403 M_FORBIDDEN
    /// (M_USER_DEACTIVATED for a deactivated account with the right password).
    /// </summary>
    public async Task<UserAccount> AuthenticateAsync(JsonObject auth, CancellationToken ct)
    {
        var user = ResolveUser(auth);
        var password = auth.OptionalString("password") ?? throw MatrixException.MissingParam("'password' is required");
        var account = user is { } id && password.Length <= PasswordHasher.MaxPasswordLength ? await users.GetAsync(id, ct) : null;
        var hash = account?.PasswordHash;
        var matches = PasswordHasher.Verify(password, hash ?? DecoyHash.Value) && hash is not null;
        if (!matches || account is null)
            throw MatrixException.Forbidden("Invalid username or password");
        if (account.Deactivated)
            throw new MatrixException(StatusCodes.Status403Forbidden, ErrCodes.UserDeactivated, "This account has been deactivated");
        return account;
    }

    /// <summary>The local user the request names; null when it names nobody this server could have.</summary>
    public UserId? ResolveUser(JsonObject auth)
    {
        string? name;
        if (auth.OptionalObject("identifier") is { } identifier)
        {
            var type = identifier.OptionalString("type") ?? throw MatrixException.MissingParam("'identifier.type' is required");
            if (type != "m.id.user")
                throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.Unknown, $"Unsupported identifier type '{type}'");
            name = identifier.OptionalString("user") ?? throw MatrixException.MissingParam("'identifier.user' is required");
        }
        else
        {
            name = auth.OptionalString("user") ?? throw MatrixException.MissingParam("'identifier' is required");
        }
        return LocalUser(name);
    }

    private UserId? LocalUser(string name)
    {
        if (name.Length > 255)
            return null;
        // New localparts are lower case; clients often send what the user typed.
        var candidate = name.StartsWith(UserId.Sigil)
            ? name.ToLowerInvariant()
            : $"@{name.ToLowerInvariant()}:{cluster.Value.ServerName}";
        if (!UserId.TryParse(candidate, out var user))
            return null;
        // Compare with the configured name lower-cased too: the whole ID was lowered above.
        return string.Equals(user.ServerNameSpan.ToString(), cluster.Value.ServerName, StringComparison.OrdinalIgnoreCase)
            ? UserId.Parse($"@{user.Localpart}:{cluster.Value.ServerName}")
            : null;
    }
}
