using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Cluster.Replication.Tokens;

/// <summary>
/// How far a reader has got in a stream that several writers append to: a minimum position that every writer
/// has reached, and for each writer ahead of it, that writer's own position. A writer not listed is at the
/// minimum, which is what makes a token minted before a writer was added still mean the right thing.
/// <para>
/// The representation is always compact (writers at or below the minimum are never stored), so two vectors
/// that mean the same positions are equal and format to the same text. Entries for writer IDs the reader has
/// never heard of (a writer since removed, or a forged ID) are kept: dropping one would move that writer back
/// to the minimum and re-send its rows, while keeping it is harmless because the entry only ever matches rows
/// that writer wrote. It disappears once the minimum passes it.
/// </para>
/// <para>
/// Text form: <c>{pos}</c> when no writer is ahead, otherwise <c>m{min}~{writer}.{pos}~{writer}.{pos}...</c>
/// with writers in ascending ID order, for example <c>m56~2.58~3.59</c>.
/// </para>
/// </summary>
public sealed class StreamPositionVector : IEquatable<StreamPositionVector>
{
    internal const char MultiWriterMarker = 'm';
    internal const char EntrySeparator = '~';
    internal const char WriterSeparator = '.';

    /// <summary>Ascending by writer ID, every position above <see cref="Minimum"/>; never mutated.</summary>
    private readonly WriterPosition[] _ahead;

    private StreamPositionVector(long minimum, WriterPosition[] ahead)
    {
        Minimum = minimum;
        _ahead = ahead;
    }

    /// <summary>The start of every stream: nothing seen.</summary>
    public static StreamPositionVector Zero { get; } = new(0, []);

    /// <summary>The position every writer has reached.</summary>
    public long Minimum { get; }

    /// <summary>The writers ahead of <see cref="Minimum"/>, ascending by writer ID.</summary>
    public ReadOnlySpan<WriterPosition> WritersAhead => _ahead;

    /// <summary>The furthest position of any writer: no row above it is covered.</summary>
    public long Maximum
    {
        get
        {
            var maximum = Minimum;
            foreach (var entry in _ahead) maximum = Math.Max(maximum, entry.Position);
            return maximum;
        }
    }

    /// <summary>Every writer at <paramref name="position"/>: what a stream with a single writer hands out.</summary>
    public static StreamPositionVector At(long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        return position == 0 ? Zero : new StreamPositionVector(position, []);
    }

    /// <summary>
    /// A vector with the given minimum; writers at or below it are dropped, the others kept in ID order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative minimum, writer ID or position.</exception>
    /// <exception cref="ArgumentException">The same writer listed twice.</exception>
    public static StreamPositionVector Create(long minimum, params ReadOnlySpan<WriterPosition> writers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimum);
        var sorted = SortedAndChecked(writers);
        var ahead = Array.FindAll(sorted, entry => entry.Position > minimum);
        return minimum == 0 && ahead.Length == 0 ? Zero : new StreamPositionVector(minimum, ahead);
    }

    /// <inheritdoc cref="Create(long, ReadOnlySpan{WriterPosition})"/>
    public static StreamPositionVector Create(long minimum, IEnumerable<WriterPosition> writers) =>
        Create(minimum, writers.ToArray().AsSpan());

    /// <summary>
    /// The exact vector of a reader that knows every writer of the stream: the minimum is the least of their
    /// positions. With no writers at all nothing has been written, which is <see cref="Zero"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative writer ID or position.</exception>
    /// <exception cref="ArgumentException">The same writer listed twice.</exception>
    public static StreamPositionVector FromWriterPositions(IEnumerable<WriterPosition> writers)
    {
        var all = writers.ToArray();
        if (all.Length == 0) return Zero;
        var minimum = long.MaxValue;
        foreach (var entry in all) minimum = Math.Min(minimum, entry.Position);
        return Create(minimum, all.AsSpan());
    }

    private static WriterPosition[] SortedAndChecked(ReadOnlySpan<WriterPosition> writers)
    {
        var sorted = writers.ToArray();
        foreach (var entry in sorted)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(entry.WriterId, nameof(writers));
            ArgumentOutOfRangeException.ThrowIfNegative(entry.Position, nameof(writers));
        }
        Array.Sort(sorted, static (x, y) => x.WriterId.CompareTo(y.WriterId));
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].WriterId == sorted[i - 1].WriterId)
                throw new ArgumentException($"Writer {sorted[i].WriterId} is listed more than once.", nameof(writers));
        }
        return sorted;
    }

    /// <summary>The position of <paramref name="writerId"/>: its own entry, or the minimum when it has none.</summary>
    public long PositionOf(int writerId)
    {
        var index = IndexOf(writerId);
        return index >= 0 ? _ahead[index].Position : Minimum;
    }

    /// <summary>
    /// Whether the row <paramref name="writerId"/> wrote at <paramref name="position"/> is at or before this
    /// vector, that is, already seen. The rows to send a client are those its token does not cover and the
    /// reader's current vector does.
    /// </summary>
    public bool Covers(int writerId, long position) => position <= PositionOf(writerId);

    /// <summary>Whether no writer is further here than in <paramref name="other"/> (the partial order of vectors).</summary>
    public bool IsBeforeOrEqual(StreamPositionVector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        // Writers listed in neither are at the two minimums; writers listed only in other are above its minimum.
        if (Minimum > other.Minimum) return false;
        var theirs = other._ahead;
        var j = 0;
        foreach (var mine in _ahead)
        {
            while (j < theirs.Length && theirs[j].WriterId < mine.WriterId) j++;
            var theirPosition = j < theirs.Length && theirs[j].WriterId == mine.WriterId ? theirs[j].Position : other.Minimum;
            if (mine.Position > theirPosition) return false;
        }
        return true;
    }

    /// <summary>Whether this vector has seen everything <paramref name="other"/> has, and more.</summary>
    public bool IsAfter(StreamPositionVector other) => other.IsBeforeOrEqual(this) && !Equals(other);

    public VectorOrdering CompareWith(StreamPositionVector other)
    {
        var before = IsBeforeOrEqual(other);
        var after = other.IsBeforeOrEqual(this);
        return (before, after) switch
        {
            (true, true) => VectorOrdering.Equal,
            (true, false) => VectorOrdering.Before,
            (false, true) => VectorOrdering.After,
            _ => VectorOrdering.Concurrent,
        };
    }

    /// <summary>
    /// Everything either vector has seen: each writer at the larger of its two positions. The minimum becomes the
    /// larger minimum, and writers that fall to or below it are dropped.
    /// </summary>
    public static StreamPositionVector Max(StreamPositionVector a, StreamPositionVector b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (b.IsBeforeOrEqual(a)) return a;
        if (a.IsBeforeOrEqual(b)) return b;
        return Pointwise(a, b, Math.Max(a.Minimum, b.Minimum), larger: true);
    }

    /// <summary>What both vectors have seen: each writer at the smaller of its two positions.</summary>
    public static StreamPositionVector Min(StreamPositionVector a, StreamPositionVector b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.IsBeforeOrEqual(b)) return a;
        if (b.IsBeforeOrEqual(a)) return b;
        return Pointwise(a, b, Math.Min(a.Minimum, b.Minimum), larger: false);
    }

    /// <summary>This vector with <paramref name="writerId"/> moved up to <paramref name="position"/> (never back).</summary>
    public StreamPositionVector WithAdvanced(int writerId, long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(writerId);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        var index = IndexOf(writerId);
        var current = index >= 0 ? _ahead[index].Position : Minimum;
        if (position <= current) return this;

        WriterPosition[] ahead;
        if (index >= 0)
        {
            ahead = (WriterPosition[])_ahead.Clone();
        }
        else
        {
            index = ~index;
            ahead = new WriterPosition[_ahead.Length + 1];
            _ahead.AsSpan(0, index).CopyTo(ahead);
            _ahead.AsSpan(index).CopyTo(ahead.AsSpan(index + 1));
        }
        ahead[index] = new WriterPosition(writerId, position);
        return new StreamPositionVector(Minimum, ahead);
    }

    /// <summary>Merges the two writer lists; writers listed in neither are at <paramref name="minimum"/> in the result.</summary>
    private static StreamPositionVector Pointwise(StreamPositionVector a, StreamPositionVector b, long minimum, bool larger)
    {
        ReadOnlySpan<WriterPosition> left = a._ahead, right = b._ahead;
        var result = new WriterPosition[left.Length + right.Length];
        int i = 0, j = 0, count = 0;
        while (i < left.Length || j < right.Length)
        {
            int writer;
            long fromA, fromB;
            if (j == right.Length || (i < left.Length && left[i].WriterId < right[j].WriterId))
            {
                (writer, fromA, fromB) = (left[i].WriterId, left[i].Position, b.Minimum);
                i++;
            }
            else if (i == left.Length || right[j].WriterId < left[i].WriterId)
            {
                (writer, fromA, fromB) = (right[j].WriterId, a.Minimum, right[j].Position);
                j++;
            }
            else
            {
                (writer, fromA, fromB) = (left[i].WriterId, left[i].Position, right[j].Position);
                i++;
                j++;
            }
            var position = larger ? Math.Max(fromA, fromB) : Math.Min(fromA, fromB);
            if (position > minimum) result[count++] = new WriterPosition(writer, position);
        }
        return new StreamPositionVector(minimum, count == result.Length ? result : result[..count]);
    }

    private int IndexOf(int writerId)
    {
        // Binary search on the writer ID alone; there are rarely more than a handful of entries.
        int low = 0, high = _ahead.Length - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var id = _ahead[middle].WriterId;
            if (id == writerId) return middle;
            if (id < writerId) low = middle + 1;
            else high = middle - 1;
        }
        return ~low;
    }

    // ---- Text form ----

    /// <exception cref="InvalidTokenException">The text is not a stream position.</exception>
    public static StreamPositionVector Parse(string? text) =>
        TryParse(text, out var value, out var error) ? value : throw new InvalidTokenException(TokenKind.StreamPosition, error);

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out StreamPositionVector? value) =>
        TryParse(text, out value, out _);

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out StreamPositionVector? value, out TokenError error)
    {
        value = null;
        error = text switch
        {
            null => TokenError.Null,
            "" => TokenError.Empty,
            { Length: > TokenLimits.MaxLength } => TokenError.TooLong,
            _ => TokenError.None,
        };
        if (error != TokenError.None) return false;
        error = ParseField(text.AsSpan(), singleMarker: null, out value);
        return error == TokenError.None;
    }

    /// <summary>
    /// Reads one vector that fills <paramref name="text"/>. A lone position is bare digits, or preceded by
    /// <paramref name="singleMarker"/> when the surrounding grammar gives it one (<c>s</c> in room tokens).
    /// </summary>
    internal static TokenError ParseField(ReadOnlySpan<char> text, char? singleMarker, out StreamPositionVector? value)
    {
        value = null;
        if (text.IsEmpty) return TokenError.MissingNumber;
        var first = text[0];
        var reader = new TokenReader(text);
        if (first == MultiWriterMarker)
        {
            reader.TryConsume(MultiWriterMarker);
            return ParseMultiWriter(ref reader, text.Count(EntrySeparator), out value);
        }

        if (singleMarker is { } marker)
        {
            if (first != marker) return TokenError.UnknownForm;
            reader.TryConsume(marker);
        }
        else if (!char.IsAsciiDigit(first))
        {
            return TokenError.UnknownForm;
        }

        var error = reader.ReadPosition(out var position);
        if (error == TokenError.None) error = reader.ExpectEnd();
        if (error == TokenError.None) value = At(position);
        return error;
    }

    private static TokenError ParseMultiWriter(ref TokenReader reader, int entryCount, out StreamPositionVector? value)
    {
        value = null;
        var error = reader.ReadPosition(out var minimum);
        if (error != TokenError.None) return error;
        if (reader.AtEnd) return TokenError.MissingWriters;

        // Each entry consumes one separator, so the separators counted up front bound the entries read.
        var ahead = new WriterPosition[entryCount];
        var count = 0;
        while (!reader.AtEnd)
        {
            if ((error = reader.Expect(EntrySeparator)) != TokenError.None) return error;
            if ((error = reader.ReadWriterId(out var writer)) != TokenError.None) return error;
            if ((error = reader.Expect(WriterSeparator)) != TokenError.None) return error;
            if ((error = reader.ReadPosition(out var position)) != TokenError.None) return error;

            if (count > 0)
            {
                var previous = ahead[count - 1].WriterId;
                if (writer == previous) return TokenError.DuplicateWriter;
                if (writer < previous) return TokenError.WritersOutOfOrder;
            }
            if (position <= minimum) return TokenError.WriterNotAheadOfMinimum;
            ahead[count++] = new WriterPosition(writer, position);
        }
        value = new StreamPositionVector(minimum, ahead);
        return TokenError.None;
    }

    /// <summary><c>{pos}</c> or <c>m{min}~{writer}.{pos}...</c>.</summary>
    public override string ToString() => Format(singleMarker: null);

    internal string Format(char? singleMarker) =>
        string.Create(FormattedLength(singleMarker), (this, singleMarker), static (span, state) =>
            state.Item1.FormatInto(span, state.singleMarker));

    internal int FormattedLength(char? singleMarker)
    {
        if (_ahead.Length == 0) return (singleMarker is null ? 0 : 1) + DigitCount(Minimum);
        var length = 1 + DigitCount(Minimum);
        foreach (var entry in _ahead) length += 2 + DigitCount(entry.WriterId) + DigitCount(entry.Position);
        return length;
    }

    /// <summary>Writes exactly <see cref="FormattedLength"/> characters and returns that count.</summary>
    internal int FormatInto(Span<char> destination, char? singleMarker)
    {
        var written = 0;
        if (_ahead.Length == 0)
        {
            if (singleMarker is { } marker) destination[written++] = marker;
            return written + WriteNumber(destination[written..], Minimum);
        }

        destination[written++] = MultiWriterMarker;
        written += WriteNumber(destination[written..], Minimum);
        foreach (var entry in _ahead)
        {
            destination[written++] = EntrySeparator;
            written += WriteNumber(destination[written..], entry.WriterId);
            destination[written++] = WriterSeparator;
            written += WriteNumber(destination[written..], entry.Position);
        }
        return written;
    }

    private static int WriteNumber(Span<char> destination, long value)
    {
        value.TryFormat(destination, out var written, default, CultureInfo.InvariantCulture);
        return written;
    }

    private static int DigitCount(long value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }
        return digits;
    }

    // ---- Equality ----

    public bool Equals(StreamPositionVector? other) =>
        other is not null && Minimum == other.Minimum && _ahead.AsSpan().SequenceEqual(other._ahead);

    public override bool Equals(object? obj) => obj is StreamPositionVector other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Minimum);
        foreach (var entry in _ahead) hash.Add(entry);
        return hash.ToHashCode();
    }

    public static bool operator ==(StreamPositionVector? left, StreamPositionVector? right) =>
        left is null ? right is null : left.Equals(right);

    public static bool operator !=(StreamPositionVector? left, StreamPositionVector? right) => !(left == right);
}
