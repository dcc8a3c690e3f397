using System.Globalization;
using System.Security.Cryptography;
using Cluster.Shared.Text;
using NSec.Cryptography;

namespace Cluster.Shared.Storage.Accounts;

/// <summary>
/// Argon2id password hashes (libsodium through NSec, already our Ed25519 library) in the PHC
/// string format <c>$argon2id$v=19$m=KiB,t=passes,p=1$salt$hash</c>. The cost travels in the
/// string, so raising it later leaves older hashes verifiable.
/// </summary>
public static class PasswordHasher
{
    /// <summary>Longest password accepted; a longer one is a client bug or an attempt to burn CPU.</summary>
    public const int MaxPasswordLength = 512;

    // OWASP's first Argon2id recommendation: 19 MiB, two passes, one lane (~30 ms here).
    private const long MemoryKiB = 19 * 1024;
    private const long Passes = 2;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const string Prefix = "$argon2id$v=19$";

    public static string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, MemoryKiB, Passes);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Prefix}m={MemoryKiB},t={Passes},p=1${UnpaddedBase64.Encode(salt)}${UnpaddedBase64.Encode(hash)}");
    }

    /// <summary>Whether <paramref name="password"/> matches <paramref name="encoded"/>; false for a hash this code cannot read.</summary>
    public static bool Verify(string password, string encoded)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(encoded, out var memory, out var passes, out var salt, out var expected))
            return false;
        var actual = Derive(password, salt, memory, passes, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static byte[] Derive(string password, byte[] salt, long memoryKiB, long passes, int length = HashBytes)
    {
        var parameters = new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = memoryKiB, NumberOfPasses = passes };
        return PasswordBasedKeyDerivationAlgorithm.Argon2id(in parameters).DeriveBytes(password, salt, length);
    }

    private static bool TryParse(string encoded, out long memory, out long passes, out byte[] salt, out byte[] hash)
    {
        memory = passes = 0;
        salt = hash = [];
        if (!encoded.StartsWith(Prefix, StringComparison.Ordinal))
            return false;
        var parts = encoded[Prefix.Length..].Split('$');
        if (parts.Length != 3)
            return false;
        foreach (var setting in parts[0].Split(','))
        {
            var (name, value) = (setting.Split('=') is [var n, var v]) ? (n, v) : ("", "");
            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                return false;
            switch (name)
            {
                case "m": memory = number; break;
                case "t": passes = number; break;
                case "p" when number == 1: break;
                default: return false;
            }
        }
        // Bounds keep a tampered row from asking for gigabytes of memory.
        if (memory is < 8 or > 1024 * 1024 || passes is < 1 or > 16)
            return false;
        return UnpaddedBase64.TryDecode(parts[1], Base64Alphabet.Standard, out salt) && salt.Length == SaltBytes
            && UnpaddedBase64.TryDecode(parts[2], Base64Alphabet.Standard, out hash) && hash.Length is >= 16 and <= 64;
    }
}
