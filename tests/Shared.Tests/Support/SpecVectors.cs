using System.Text.Json.Nodes;

namespace Cluster.Shared.Tests.Support;

/// <summary>
/// Loads the specification's test vectors from ../shared/testdata beside the repository
/// (CI clones the repository with shared/ next to it).
/// </summary>
public static class SpecVectors
{
    public static JsonObject Load(string file = "signing-vectors.json") =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(TestDataFolder(), file)))!.AsObject();

    public static string TestDataFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "testdata");
            if (Directory.Exists(candidate)) return candidate;
            candidate = Path.Combine(dir.FullName, "..", "shared", "testdata");
            if (File.Exists(Path.Combine(dir.FullName, "Cluster.sln")) && Directory.Exists(candidate))
                return Path.GetFullPath(candidate);
        }
        throw new DirectoryNotFoundException("shared/testdata not found beside the repository");
    }
}
