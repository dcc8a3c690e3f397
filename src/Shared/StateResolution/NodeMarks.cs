namespace Cluster.Shared.StateResolution;

/// <summary>
/// An integer per <see cref="AuthGraph"/> node, zero until set. The graph keeps loading events while a walk
/// runs, so the backing array grows on demand instead of being sized up front.
/// </summary>
internal sealed class NodeMarks(int initialCapacity)
{
    private int[] _values = new int[Math.Max(initialCapacity, 16)];

    public int this[int index]
    {
        get => index < _values.Length ? _values[index] : 0;
        set
        {
            if (index >= _values.Length) Array.Resize(ref _values, Math.Max(index + 1, _values.Length * 2));
            _values[index] = value;
        }
    }
}
