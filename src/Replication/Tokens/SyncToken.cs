using System.Diagnostics.CodeAnalysis;

namespace Cluster.Replication.Tokens;

/// <summary>
/// The /sync <c>since</c> and <c>next_batch</c> token: one position per stream the client sees. Any stream may
/// have several writers, so each position is a <see cref="StreamPositionVector"/>; a stream with one writer
/// costs no more than a plain number.
/// <para>
/// Text form: the fields of <see cref="SyncStream"/> in order, joined by <c>_</c>. The events field is a live
/// room stream token (<c>s{pos}</c> or <c>m{min}~...</c>), so it can serve as a room's <c>prev_batch</c> as is;
/// every other field is <c>{pos}</c> or <c>m{min}~{writer}.{pos}~...</c>. For example
/// <c>s1042_7_m311~2.315_12_0_88_19_3</c>. Only digits, lower-case letters and <c>_ ~ . </c> occur, all
/// unreserved in URLs, so the token goes into a query string without escaping.
/// </para>
/// <para>
/// Compatibility: a token with fewer fields (minted before a stream was added) reads the missing streams as 0,
/// so the client is sent that stream from its start. A token with more fields (minted by a newer version
/// during a rolling upgrade) is accepted if every extra field is a well-formed position; the extra fields are
/// dropped, as this version serves no such stream.
/// </para>
/// </summary>
public sealed class SyncToken : IEquatable<SyncToken>
{
    private const char FieldSeparator = '_';

    /// <summary>Far more fields than this token will ever grow; beyond it the text is not a token.</summary>
    private const int MaxFields = 64;

    /// <summary>Indexed by <see cref="SyncStream"/>; never mutated.</summary>
    private readonly StreamPositionVector[] _streams;

    private SyncToken(StreamPositionVector[] streams) => _streams = streams;

    /// <summary>A token for each stream; a stream left out starts at 0.</summary>
    public SyncToken(
        StreamPositionVector? events = null,
        StreamPositionVector? accountData = null,
        StreamPositionVector? receipts = null,
        StreamPositionVector? toDevice = null,
        StreamPositionVector? typing = null,
        StreamPositionVector? presence = null,
        StreamPositionVector? deviceLists = null,
        StreamPositionVector? pushRules = null)
    {
        var zero = StreamPositionVector.Zero;
        _streams =
        [
            events ?? zero, accountData ?? zero, receipts ?? zero, toDevice ?? zero,
            typing ?? zero, presence ?? zero, deviceLists ?? zero, pushRules ?? zero,
        ];
    }

    /// <summary>Nothing seen in any stream: what an initial sync starts from.</summary>
    public static SyncToken Start { get; } = new();

    public StreamPositionVector this[SyncStream stream] => _streams[CheckedIndex(stream)];

    public StreamPositionVector Events => _streams[(int)SyncStream.Events];
    public StreamPositionVector AccountData => _streams[(int)SyncStream.AccountData];
    public StreamPositionVector Receipts => _streams[(int)SyncStream.Receipts];
    public StreamPositionVector ToDevice => _streams[(int)SyncStream.ToDevice];
    public StreamPositionVector Typing => _streams[(int)SyncStream.Typing];
    public StreamPositionVector Presence => _streams[(int)SyncStream.Presence];
    public StreamPositionVector DeviceLists => _streams[(int)SyncStream.DeviceLists];
    public StreamPositionVector PushRules => _streams[(int)SyncStream.PushRules];

    /// <summary>The events position as a room stream token, for a timeline's <c>prev_batch</c>.</summary>
    public LiveRoomStreamToken EventsToken => new(Events);

    /// <summary>This token with one stream replaced.</summary>
    public SyncToken With(SyncStream stream, StreamPositionVector position)
    {
        ArgumentNullException.ThrowIfNull(position);
        var index = CheckedIndex(stream);
        if (_streams[index].Equals(position)) return this;
        var streams = (StreamPositionVector[])_streams.Clone();
        streams[index] = position;
        return new SyncToken(streams);
    }

    /// <summary>This token with one writer of one stream moved up to <paramref name="position"/> (never back).</summary>
    public SyncToken WithAdvanced(SyncStream stream, int writerId, long position) =>
        With(stream, this[stream].WithAdvanced(writerId, position));

    /// <summary>Everything either token has seen, stream by stream (see <see cref="StreamPositionVector.Max"/>).</summary>
    public static SyncToken Max(SyncToken a, SyncToken b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        // The usual case on /sync: the reader's current token is already past the client's.
        if (a.IsBeforeOrEqual(b)) return b;
        if (b.IsBeforeOrEqual(a)) return a;
        var streams = new StreamPositionVector[SyncStreams.Count];
        for (var i = 0; i < streams.Length; i++) streams[i] = StreamPositionVector.Max(a._streams[i], b._streams[i]);
        return new SyncToken(streams);
    }

    /// <summary>Whether, in every stream, this token has seen no more than <paramref name="other"/>.</summary>
    public bool IsBeforeOrEqual(SyncToken other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < _streams.Length; i++)
        {
            if (!_streams[i].IsBeforeOrEqual(other._streams[i])) return false;
        }
        return true;
    }

    public VectorOrdering CompareWith(SyncToken other) => (IsBeforeOrEqual(other), other.IsBeforeOrEqual(this)) switch
    {
        (true, true) => VectorOrdering.Equal,
        (true, false) => VectorOrdering.Before,
        (false, true) => VectorOrdering.After,
        _ => VectorOrdering.Concurrent,
    };

    private static int CheckedIndex(SyncStream stream) =>
        (uint)stream < SyncStreams.Count ? (int)stream : throw new ArgumentOutOfRangeException(nameof(stream), stream, "Not a /sync stream.");

    // ---- Text form ----

    /// <exception cref="InvalidTokenException">The text is not a /sync token; <see cref="InvalidTokenException.Field"/> names the field at fault.</exception>
    public static SyncToken Parse(string? text) =>
        TryParse(text, out var token, out var error, out var field) ? token : throw new InvalidTokenException(TokenKind.Sync, error, field);

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out SyncToken? token) =>
        TryParse(text, out token, out _, out _);

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out SyncToken? token, out TokenError error) =>
        TryParse(text, out token, out error, out _);

    /// <param name="field">The zero-based index of the field at fault, when a field is; null otherwise.</param>
    public static bool TryParse(
        [NotNullWhen(true)] string? text, [NotNullWhen(true)] out SyncToken? token, out TokenError error, out int? field)
    {
        token = null;
        field = null;
        error = RoomStreamToken.CheckEnvelope(text);
        if (error != TokenError.None) return false;

        var streams = new StreamPositionVector[SyncStreams.Count];
        var rest = text.AsSpan();
        for (var index = 0; ; index++)
        {
            if (index == MaxFields)
            {
                error = TokenError.TooManyFields;
                return false;
            }

            var separator = rest.IndexOf(FieldSeparator);
            var fieldText = separator < 0 ? rest : rest[..separator];
            error = ParseField(fieldText, index, out var position);
            if (error != TokenError.None)
            {
                field = index;
                return false;
            }
            if (index < streams.Length) streams[index] = position!;

            if (separator < 0) break;
            rest = rest[(separator + 1)..];
        }

        for (var i = 0; i < streams.Length; i++) streams[i] ??= StreamPositionVector.Zero;
        token = new SyncToken(streams);
        return true;
    }

    private static TokenError ParseField(ReadOnlySpan<char> text, int index, out StreamPositionVector? position) =>
        index == (int)SyncStream.Events
            ? LiveRoomStreamToken.ParsePositions(text, out position)
            : StreamPositionVector.ParseField(text, singleMarker: null, out position);

    public override string ToString()
    {
        var length = _streams.Length - 1;
        for (var i = 0; i < _streams.Length; i++) length += _streams[i].FormattedLength(MarkerFor(i));
        return string.Create(length, _streams, static (span, streams) =>
        {
            var written = 0;
            for (var i = 0; i < streams.Length; i++)
            {
                if (i > 0) span[written++] = FieldSeparator;
                written += streams[i].FormatInto(span[written..], MarkerFor(i));
            }
        });
    }

    private static char? MarkerFor(int field) => field == (int)SyncStream.Events ? RoomStreamToken.SingleMarker : null;

    // ---- Equality ----

    public bool Equals(SyncToken? other)
    {
        if (other is null) return false;
        for (var i = 0; i < _streams.Length; i++)
        {
            if (!_streams[i].Equals(other._streams[i])) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is SyncToken other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var stream in _streams) hash.Add(stream);
        return hash.ToHashCode();
    }

    public static bool operator ==(SyncToken? left, SyncToken? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(SyncToken? left, SyncToken? right) => !(left == right);
}
