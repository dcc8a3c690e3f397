using System.Reflection;
using System.Text.RegularExpressions;

namespace Cluster.Shared.Storage;

/// <summary>
/// The ordered, validated set of migrations this build knows. Validation happens when the
/// catalog is built, so a misnumbered file stops the process at start rather than leaving
/// a database half-way between two numbering schemes.
/// </summary>
public sealed partial class MigrationCatalog
{
    /// <summary>Manifest resource prefix of <c>src/Shared/Storage/Migrations/*.sql</c>.</summary>
    internal const string ResourcePrefix = "Cluster.Shared.Storage.Migrations.";

    private static readonly Lazy<MigrationCatalog> EmbeddedCatalog = new(LoadEmbedded);

    private MigrationCatalog(IReadOnlyList<Migration> migrations) => Migrations = migrations;

    /// <summary>The migrations compiled into Cluster.Shared.</summary>
    public static MigrationCatalog Embedded => EmbeddedCatalog.Value;

    /// <summary>Ascending by version, versions 1..<see cref="LatestVersion"/>.</summary>
    public IReadOnlyList<Migration> Migrations { get; }

    /// <summary>The schema version this code expects; 0 for an empty catalog.</summary>
    public int LatestVersion => Migrations.Count == 0 ? 0 : Migrations[^1].Version;

    /// <summary>
    /// Builds a catalog from file names (<c>NNNN_name.sql</c>) and their SQL, checking that
    /// every name follows the pattern and the versions are exactly 1..N.
    /// </summary>
    /// <exception cref="InvalidMigrationSetException">A name is malformed, a version is repeated or missing.</exception>
    public static MigrationCatalog FromFiles(IEnumerable<KeyValuePair<string, string>> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var problems = new List<string>();
        var parsed = new List<Migration>();
        foreach (var (fileName, sql) in files)
        {
            var match = FileNamePattern().Match(fileName);
            if (!match.Success)
            {
                problems.Add($"'{fileName}' is not named NNNN_name.sql (four digits, underscore, lower-case letters, digits or underscores)");
                continue;
            }
            if (string.IsNullOrWhiteSpace(sql))
            {
                problems.Add($"'{fileName}' is empty");
                continue;
            }
            parsed.Add(new Migration(int.Parse(match.Groups["version"].ValueSpan), match.Groups["name"].Value, sql));
        }

        parsed.Sort((a, b) => a.Version.CompareTo(b.Version));
        foreach (var group in parsed.GroupBy(m => m.Version).Where(g => g.Count() > 1))
            problems.Add($"version {group.Key:D4} is used by more than one file: {string.Join(", ", group)}");

        var distinct = parsed.Select(m => m.Version).Distinct().ToList();
        for (var i = 0; i < distinct.Count; i++)
        {
            if (distinct[i] != i + 1)
            {
                problems.Add($"versions must run 0001, 0002, ... without gaps; expected {i + 1:D4} but found {distinct[i]:D4}");
                break;
            }
        }

        if (problems.Count > 0)
            throw new InvalidMigrationSetException(problems);
        return new MigrationCatalog(parsed);
    }

    private static MigrationCatalog LoadEmbedded()
    {
        var assembly = typeof(MigrationCatalog).Assembly;
        var files = new List<KeyValuePair<string, string>>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
                continue;
            files.Add(new(resource[ResourcePrefix.Length..], ReadResource(assembly, resource)));
        }
        return FromFiles(files);
    }

    private static string ReadResource(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded resource '{resource}' is listed but cannot be opened.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^(?<version>[0-9]{4})_(?<name>[a-z0-9_]+)\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex FileNamePattern();
}
