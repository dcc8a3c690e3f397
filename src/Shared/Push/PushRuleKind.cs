namespace Cluster.Shared.Push;

/// <summary>The kinds of push rule, in the order they are checked (spec: "Push Rules").</summary>
public enum PushRuleKind
{
    Override,
    Content,
    Room,
    Sender,
    Underride,
}

public static class PushRuleKinds
{
    /// <summary>Every kind, highest priority first.</summary>
    public static IReadOnlyList<PushRuleKind> InPriorityOrder { get; } =
        [PushRuleKind.Override, PushRuleKind.Content, PushRuleKind.Room, PushRuleKind.Sender, PushRuleKind.Underride];

    public static string Name(this PushRuleKind kind) => kind switch
    {
        PushRuleKind.Override => "override",
        PushRuleKind.Content => "content",
        PushRuleKind.Room => "room",
        PushRuleKind.Sender => "sender",
        PushRuleKind.Underride => "underride",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static bool TryParse(string? name, out PushRuleKind kind)
    {
        switch (name)
        {
            case "override": kind = PushRuleKind.Override; return true;
            case "content": kind = PushRuleKind.Content; return true;
            case "room": kind = PushRuleKind.Room; return true;
            case "sender": kind = PushRuleKind.Sender; return true;
            case "underride": kind = PushRuleKind.Underride; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>Override and underride rules carry conditions; the others have implied ones.</summary>
    public static bool HasConditions(this PushRuleKind kind) => kind is PushRuleKind.Override or PushRuleKind.Underride;
}
