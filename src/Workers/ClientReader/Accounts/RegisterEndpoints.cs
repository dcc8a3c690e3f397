using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Http;
using Cluster.Shared.Http.RateLimiting;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Accounts;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>
/// <c>POST /register</c> (user-interactive: <c>m.login.dummy</c> when registration is open,
/// <c>m.login.registration_token</c> when a token is configured), <c>GET /register/available</c>
/// and <c>GET /v1/register/m.login.registration_token/validity</c>.
/// </summary>
internal static class RegisterEndpoints
{
    public const string Purpose = "register";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.ClientV3().MapPost("register", RegisterAsync).WithUserInteractiveAuth().RateLimited(RateLimitAction.Registration);
        app.ClientV3().MapGet("register/available", AvailableAsync).RateLimited(RateLimitAction.Registration);
        app.MapGet(ClientApiRoutes.V1Prefix + "/register/m.login.registration_token/validity", TokenValidity)
            .RateLimited(RateLimitAction.Registration);
    }

    private static async Task<IResult> AvailableAsync(HttpContext context, UserStore users, IOptions<ClusterOptions> cluster)
    {
        var username = context.Request.Query["username"] is { Count: 1 } values ? values[0] : null;
        if (string.IsNullOrEmpty(username))
            throw MatrixException.MissingParam("'username' is required");
        var user = Usernames.ToUserId(username, cluster.Value.ServerName);
        if (await users.ExistsAsync(user, context.RequestAborted))
            throw UserInUse();
        return Results.Json(new JsonObject { ["available"] = true });
    }

    private static IResult TokenValidity(HttpContext context, IOptionsMonitor<RegistrationOptions> options)
    {
        var registration = options.CurrentValue;
        if (!registration.TokenRequired)
            throw MatrixException.Forbidden("Registration tokens are not in use on this server");
        var token = context.Request.Query["token"] is { Count: 1 } values ? values[0] : null;
        if (token is null)
            throw MatrixException.MissingParam("'token' is required");
        return Results.Json(new JsonObject { ["valid"] = UserInteractiveAuth.TokensEqual(token, registration.Token!) });
    }

    private static async Task<IResult> RegisterAsync(
        HttpContext context, UserStore users, UserInteractiveAuth uia,
        IOptionsMonitor<RegistrationOptions> options, IOptions<ClusterOptions> cluster)
    {
        var ct = context.RequestAborted;
        var kind = context.Request.Query["kind"].ToString();
        if (kind == "guest")
            throw new MatrixException(StatusCodes.Status403Forbidden, ErrCodes.GuestAccessForbidden, "Guest accounts are not supported");
        if (kind is not ("" or "user"))
            throw MatrixException.InvalidParam("'kind' must be 'user' or 'guest'");
        var registration = options.CurrentValue;
        if (!registration.RegistrationAllowed)
            throw MatrixException.Forbidden("Registration is disabled");

        var body = await RequestBody.ReadObjectAsync(context);
        var username = body.OptionalString("username");
        var password = body.OptionalString("password").Limit("password", PasswordHasher.MaxPasswordLength);
        var deviceId = body.OptionalString("device_id").Limit("device_id", DeviceStore.MaxDeviceIdLength);
        var deviceName = body.OptionalString("initial_device_display_name").Limit("initial_device_display_name", DeviceStore.MaxDisplayNameLength);
        var inhibitLogin = body.OptionalBool("inhibit_login") ?? false;
        if (deviceId is "")
            throw MatrixException.InvalidParam("'device_id' must not be empty");

        // The spec asks for the username checks before user-interactive auth, so a client
        // learns of a taken name before the user solves any stage.
        var server = cluster.Value.ServerName;
        var user = username is null ? RandomUser(server) : Usernames.ToUserId(username, server);
        if (username is not null && await users.ExistsAsync(user, ct))
            throw UserInUse();

        string[] flow = registration.TokenRequired ? [AuthTypes.RegistrationToken] : [AuthTypes.Dummy];
        var session = await uia.RequireAsync(body, new UiaRequirement(Purpose, null, [flow]), ct);

        var account = new NewAccount(user, password is null ? null : PasswordHasher.Hash(password), IsAdmin: false, DisplayName: user.Localpart);
        var device = inhibitLogin ? null : new NewDevice(deviceId, deviceName, context.Connection.RemoteIpAddress?.ToString());
        DeviceSession? login;
        try
        {
            login = await users.CreateAsync(account, device, ct);
        }
        catch (UserIdInUseException)
        {
            // Taken while the client went through the stages.
            throw UserInUse();
        }
        await uia.FinishAsync(session, ct);

        var response = new JsonObject { ["user_id"] = user.ToString(), ["home_server"] = server };
        if (login is not null)
        {
            response["access_token"] = login.AccessToken;
            response["device_id"] = login.DeviceId;
        }
        return Results.Json(response);
    }

    private static MatrixException UserInUse() =>
        new(StatusCodes.Status400BadRequest, ErrCodes.UserInUse, "Desired user ID is already taken");

    /// <summary>A localpart nobody can guess, for clients that register without a username.</summary>
    private static UserId RandomUser(string server) =>
        UserId.Parse($"@{RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 16)}:{server}");
}

/// <summary>The rules a requested username must meet to become a new user ID.</summary>
public static class Usernames
{
    /// <summary>The user ID for <paramref name="username"/> (lower-cased), else 400 M_INVALID_USERNAME.</summary>
    public static UserId ToUserId(string username, string serverName)
    {
        var localpart = username.ToLowerInvariant();
        if (localpart.Length == 0)
            throw Invalid("The username must not be empty");
        if (!UserId.IsConformantLocalpart(localpart))
            throw Invalid("The username may only contain a-z, 0-9, '.', '_', '=', '-', '/' and '+'");
        if (!UserId.TryParse($"@{localpart}:{serverName}", out var user))
            throw Invalid("The user ID would be longer than 255 bytes");
        return user;
    }

    private static MatrixException Invalid(string message) =>
        new(StatusCodes.Status400BadRequest, ErrCodes.InvalidUsername, message);
}
