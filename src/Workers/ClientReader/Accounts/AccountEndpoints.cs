using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Accounts;
using Cluster.Workers.Host;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>
/// <c>POST /account/password</c> and <c>POST /account/deactivate</c>, both behind the user's
/// password (user-interactive auth). Both need an access token: resetting a forgotten password
/// through a verified email is not built.
/// </summary>
internal static class AccountEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.ClientV3().MapPost("account/password", ChangePasswordAsync).RequireAccessToken().WithUserInteractiveAuth();
        app.ClientV3().MapPost("account/deactivate", DeactivateAsync).RequireAccessToken().WithUserInteractiveAuth();
    }

    private static async Task<IResult> ChangePasswordAsync(
        HttpContext context, UserStore users, UserInteractiveAuth uia, AccessTokenRevocations revocations)
    {
        var ct = context.RequestAborted;
        var requester = context.Requester();
        var body = await RequestBody.ReadObjectAsync(context);
        var newPassword = body.RequiredString("new_password").Limit("new_password", PasswordHasher.MaxPasswordLength)!;
        if (newPassword.Length == 0)
            throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.WeakPassword, "The password must not be empty");
        var logoutDevices = body.OptionalBool("logout_devices") ?? true;

        var session = await uia.RequireAsync(body, Reauthentication.For("change_password", requester.User), ct);
        var hash = PasswordHasher.Hash(newPassword);
        if (logoutDevices)
            await revocations.RevokeAsync(requester.User,
                token => users.SetPasswordHashAsync(requester.User, hash, logOutOtherDevices: true, requester.DeviceId, token), ct);
        else
            await users.SetPasswordHashAsync(requester.User, hash, logOutOtherDevices: false, requester.DeviceId, ct);
        await uia.FinishAsync(session, ct);
        return Results.Json(new JsonObject());
    }

    private static async Task<IResult> DeactivateAsync(
        HttpContext context, UserStore users, UserInteractiveAuth uia, AccessTokenRevocations revocations)
    {
        var ct = context.RequestAborted;
        var requester = context.Requester();
        var body = await RequestBody.ReadObjectAsync(context);
        body.OptionalString("id_server");
        body.OptionalBool("erase");

        var session = await uia.RequireAsync(body, Reauthentication.For("deactivate", requester.User), ct);
        await revocations.RevokeAsync(requester.User, token => users.DeactivateAsync(requester.User, token), ct);
        await uia.FinishAsync(session, ct);
        // No identity server bindings are kept, so none were removed.
        return Results.Json(new JsonObject { ["id_server_unbind_result"] = "no-support" });
    }
}
