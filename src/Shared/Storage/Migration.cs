namespace Cluster.Shared.Storage;

/// <summary>One versioned schema change: the SQL of <c>Migrations/NNNN_name.sql</c>.</summary>
/// <param name="Version">The NNNN number; versions run 1, 2, 3... without gaps.</param>
/// <param name="Name">The part after the underscore, recorded next to the version so a
/// database migrated by a different set of files is noticed.</param>
/// <param name="Sql">The statements, run in one transaction.</param>
public sealed record Migration(int Version, string Name, string Sql)
{
    public override string ToString() => $"{Version:D4}_{Name}";
}
