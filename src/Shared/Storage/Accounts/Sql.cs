using Npgsql;
using NpgsqlTypes;

namespace Cluster.Shared.Storage.Accounts;

/// <summary>Parameter helpers for the account stores' nullable columns.</summary>
internal static class Sql
{
    public static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    public static string? NullableString(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
