using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Http;
using Cluster.Shared.Http.RateLimiting;
using Cluster.Shared.Storage.Accounts;
using Cluster.Workers.ClientReader.Accounts;
using Microsoft.Extensions.Options;

namespace Cluster.Main.Admin;

/// <summary>
/// <c>/_synapse/admin/v1/register</c>, the shared-secret registration that operators' tools
/// (register_new_matrix_user and friends) speak: GET hands out a single-use nonce, POST creates
/// the account when its <c>mac</c> is the HMAC-SHA1, keyed by <c>Cluster:Registration:SharedSecret</c>,
/// of <c>nonce\0username\0password\0admin|notadmin</c>.
/// </summary>
internal static class SharedSecretRegistration
{
    public const string Path = "/_synapse/admin/v1/register";

    public static void MapSharedSecretRegistration(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (HttpContext context, RegistrationNonceStore nonces, IOptionsMonitor<RegistrationOptions> options) =>
        {
            RequireEnabled(options.CurrentValue);
            return Results.Json(new JsonObject { ["nonce"] = await nonces.IssueAsync(context.RequestAborted) });
        }).RateLimited(RateLimitAction.Registration);

        app.MapPost(Path, RegisterAsync).RateLimited(RateLimitAction.Registration);
    }

    private static async Task<IResult> RegisterAsync(
        HttpContext context, RegistrationNonceStore nonces, UserStore users,
        IOptionsMonitor<RegistrationOptions> options, IOptions<ClusterOptions> cluster)
    {
        var ct = context.RequestAborted;
        var secret = RequireEnabled(options.CurrentValue);
        var body = await RequestBody.ReadObjectAsync(context);
        var nonce = body.RequiredString("nonce");
        var username = body.RequiredString("username");
        var password = body.RequiredString("password").Limit("password", PasswordHasher.MaxPasswordLength)!;
        var admin = body.OptionalBool("admin") ?? false;
        var displayName = body.OptionalString("displayname").Limit("displayname", ProfileStore.MaxDisplayNameLength);
        var mac = body.RequiredString("mac");
        if (body.OptionalString("user_type") is not null)
            throw MatrixException.InvalidParam("User types are not supported");

        // Consumed before the MAC is checked, so each guess at a MAC costs a fresh nonce.
        if (!await nonces.ConsumeAsync(nonce, ct))
            throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.Unknown, "Unrecognised nonce");
        if (!MacMatches(secret, mac, nonce, username, password, admin))
            throw MatrixException.Forbidden("HMAC incorrect");

        var user = Usernames.ToUserId(username, cluster.Value.ServerName);
        var account = new NewAccount(user, PasswordHasher.Hash(password), admin, displayName ?? user.Localpart);
        var device = new NewDevice(null, null, context.Connection.RemoteIpAddress?.ToString());
        DeviceSession session;
        try
        {
            session = (await users.CreateAsync(account, device, ct))!;
        }
        catch (UserIdInUseException)
        {
            throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.UserInUse, "User ID already taken");
        }
        return Results.Json(new JsonObject
        {
            ["access_token"] = session.AccessToken,
            ["user_id"] = user.ToString(),
            ["home_server"] = cluster.Value.ServerName,
            ["device_id"] = session.DeviceId,
        });
    }

    private static string RequireEnabled(RegistrationOptions options) =>
        options.SharedSecret is { Length: > 0 } secret
            ? secret
            : throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.Unknown, "Shared secret registration is not enabled");

    /// <summary>Compares in constant time; a MAC that is not hex simply does not match.</summary>
    internal static bool MacMatches(string secret, string mac, string nonce, string username, string password, bool admin)
    {
        var expected = ComputeMac(secret, nonce, username, password, admin);
        byte[] given;
        try
        {
            given = Convert.FromHexString(mac);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    internal static byte[] ComputeMac(string secret, string nonce, string username, string password, bool admin)
    {
        var message = $"{nonce}\0{username}\0{password}\0{(admin ? "admin" : "notadmin")}";
        return HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(message));
    }
}
