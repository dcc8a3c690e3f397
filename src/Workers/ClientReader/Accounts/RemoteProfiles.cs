using System.Text.Json.Nodes;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Accounts;
using Cluster.Workers.ClientReader.Federation;
using Outcome = Cluster.Workers.ClientReader.Federation.RemoteAnswerCache<(string User, string Field), Cluster.Shared.Storage.Accounts.Profile>.Outcome;

namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>
/// Profiles of other servers' users, asked of their server (<c>/_matrix/federation/v1/query/profile</c>)
/// and kept for <see cref="TimeToLive"/>: a client polling a profile must not turn into a request
/// to the other server each time. Every outcome is kept, a "no such user" and an unreachable server
/// too, so a busy client cannot make this server hammer one that is down.
/// </summary>
/// <remarks>
/// The other server's answer is trusted only as far as its shape: string fields within the local
/// length limits, anything else dropped. Its refusals and failures become the client's errors
/// as <see cref="RemoteAnswers"/> says (404 as <c>M_NOT_FOUND</c>, unreachable as <c>502 M_UNKNOWN</c>).
/// </remarks>
public sealed class RemoteProfiles(FederationClient federation, TimeProvider clock, ILogger<RemoteProfiles> logger)
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(1);

    /// <summary>Most (user, field) answers kept; beyond it the expired go, then everything.</summary>
    public const int MaxEntries = 10_000;

    private readonly RemoteAnswerCache<(string User, string Field), Profile> _answers = new(TimeToLive, MaxEntries, clock);

    /// <summary>
    /// The profile of <paramref name="user"/> (another server's), or only <paramref name="field"/>
    /// of it (<c>displayname</c>, <c>avatar_url</c>) when given. Throws the <see cref="MatrixException"/>
    /// the client gets when the profile cannot be had.
    /// </summary>
    public Task<Profile> GetAsync(UserId user, string? field, CancellationToken cancellationToken) =>
        _answers.GetAsync((user.ToString(), field ?? ""), () => AskAsync(user, field, cancellationToken));

    private async Task<Outcome> AskAsync(UserId user, string? field, CancellationToken cancellationToken)
    {
        var query = $"/_matrix/federation/v1/query/profile?user_id={Uri.EscapeDataString(user.ToString())}";
        if (field is not null)
            query += $"&field={field}";
        FederationResponse response;
        try
        {
            response = await federation.SendAsync(user.ServerName, HttpMethod.Get, query, null, cancellationToken);
        }
        catch (FederationRequestException e)
        {
            logger.LogInformation("Fetching the profile of {UserId} failed: {Reason}", user, e.Message);
            return Outcome.Failed(RemoteAnswers.Unreachable(user.ServerName, $"the profile of {user}"));
        }
        if (!response.IsSuccess)
        {
            logger.LogInformation("Fetching the profile of {UserId} failed: {Server} answered {Status}", user, user.ServerName, response.Status);
            return Outcome.Failed(response.Status == StatusCodes.Status404NotFound
                ? MatrixException.NotFound("Profile not found")
                : RemoteAnswers.Refused(user.ServerName, $"the profile of {user}", response));
        }
        if (response.Body is not JsonObject body)
            return Outcome.Failed(RemoteAnswers.Malformed(user.ServerName, $"the profile of {user}"));
        return Outcome.Found(new Profile(
            field is null or "displayname" ? StringField(body, "displayname", ProfileStore.MaxDisplayNameLength) : null,
            field is null or "avatar_url" ? StringField(body, "avatar_url", ProfileStore.MaxAvatarUrlLength) : null));
    }

    private static string? StringField(JsonObject body, string name, int maxLength) =>
        body[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length is > 0 && text.Length <= maxLength ? text : null;
}
