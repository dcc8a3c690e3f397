using System.Text;
using Cluster.Shared.Text;

namespace Cluster.Shared.Signing;

/// <summary>
/// Synapse's signing key file, so an operator can move keys between servers and back them up:
/// one key per line, <c>ed25519 &lt;version&gt; &lt;unpadded Base64 seed&gt;</c>. Blank lines are skipped;
/// anything else that does not fit is rejected with the line number.
/// </summary>
public static class SigningKeyFile
{
    public static IReadOnlyList<Ed25519SigningKey> Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SigningKeyFileException(path, 0, $"cannot be read: {e.Message}", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses the file's text; <paramref name="source"/> names it in error messages.</summary>
    public static IReadOnlyList<Ed25519SigningKey> Parse(string text, string source = "signing key file")
    {
        var keys = new List<Ed25519SigningKey>();
        var versions = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        try
        {
            foreach (var rawLine in text.Split('\n'))
            {
                lineNumber++;
                var line = rawLine.Trim();
                if (line.Length == 0) continue;
                var key = ParseLine(line, source, lineNumber);
                if (!versions.Add(key.KeyId.Version))
                {
                    key.Dispose();
                    throw new SigningKeyFileException(source, lineNumber, $"key version '{key.KeyId.Version}' appears more than once");
                }
                keys.Add(key);
            }
        }
        catch
        {
            foreach (var key in keys) key.Dispose();
            throw;
        }
        return keys;
    }

    /// <summary>
    /// Writes the keys, replacing the file atomically. On Unix the file is created readable and
    /// writable by its owner only (0600) before any secret is written into it.
    /// </summary>
    public static void Write(string path, IEnumerable<Ed25519SigningKey> keys)
    {
        var text = Format(keys);
        var fullPath = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(Encoding.UTF8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SigningKeyFileException(path, 0, $"cannot be written: {e.Message}", e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static string Format(IEnumerable<Ed25519SigningKey> keys)
    {
        var builder = new StringBuilder();
        foreach (var key in keys)
            builder.Append(key.KeyId.Algorithm).Append(' ').Append(key.KeyId.Version).Append(' ')
                .Append(UnpaddedBase64.Encode(key.ExportSeed())).Append('\n');
        return builder.ToString();
    }

    private static Ed25519SigningKey ParseLine(string line, string source, int lineNumber)
    {
        var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 3)
            throw new SigningKeyFileException(source, lineNumber,
                $"expected 'ed25519 <version> <base64 seed>' but found {fields.Length} field(s)");
        var (algorithm, version, seedText) = (fields[0], fields[1], fields[2]);
        if (algorithm != SigningKeyId.Ed25519Algorithm)
            throw new SigningKeyFileException(source, lineNumber, $"unsupported key algorithm '{algorithm}' (only ed25519)");
        if (!SigningKeyId.IsValidVersion(version))
            throw new SigningKeyFileException(source, lineNumber, $"key version '{version}' may only contain [a-zA-Z0-9_]");
        if (!UnpaddedBase64.TryDecode(seedText, out var seed))
            throw new SigningKeyFileException(source, lineNumber, "the seed is not valid Base64");
        if (seed.Length != Ed25519SigningKey.SeedLength)
            throw new SigningKeyFileException(source, lineNumber,
                $"the seed is {seed.Length} bytes, an Ed25519 seed is {Ed25519SigningKey.SeedLength}");
        return Ed25519SigningKey.FromSeed(version, seed);
    }
}

/// <summary>A signing key file that cannot be read or has a malformed line.</summary>
public sealed class SigningKeyFileException : Exception
{
    public SigningKeyFileException(string source, int lineNumber, string problem, Exception? inner = null)
        : base(lineNumber > 0 ? $"{source}, line {lineNumber}: {problem}." : $"{source} {problem}.", inner)
    {
        FileName = source;
        LineNumber = lineNumber;
    }

    /// <summary>The file path (or description) the error is about.</summary>
    public string FileName { get; }
    /// <summary>1-based line number, or 0 when the file as a whole is at fault.</summary>
    public int LineNumber { get; }
}
