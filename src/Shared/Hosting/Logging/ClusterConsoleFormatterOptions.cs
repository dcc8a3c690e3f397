using Microsoft.Extensions.Logging.Console;

namespace Cluster.Shared.Hosting.Logging;

/// <summary>What our console formatters add to every line besides the entry itself.</summary>
public sealed class ClusterConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>The instance name (the topology's, or <c>--instance</c>), on every line.</summary>
    public string Instance { get; set; } = "";
}
