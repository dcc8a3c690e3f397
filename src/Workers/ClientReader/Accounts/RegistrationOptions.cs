namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>Who may create accounts: the <c>Cluster:Registration</c> configuration section.</summary>
public sealed class RegistrationOptions
{
    public const string Section = "Cluster:Registration";

    /// <summary>Open registration: anyone may register through <c>m.login.dummy</c>. Off by default.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// When set, registration needs this token (<c>m.login.registration_token</c>), whether or
    /// not <see cref="Enabled"/> is.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>When set, the admin API's shared-secret registration accepts requests signed with it.</summary>
    public string? SharedSecret { get; set; }

    public bool TokenRequired => !string.IsNullOrEmpty(Token);

    public bool RegistrationAllowed => Enabled || TokenRequired;
}
