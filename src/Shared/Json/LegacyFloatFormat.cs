using System.Globalization;

namespace Cluster.Shared.Json;

/// <summary>
/// Writes a double the way Python's <c>repr(float)</c> does, which is what Synapse's canonicaljson
/// emits for the floats that events in room versions 1-5 may carry. Those events were hashed and
/// signed over that text, so it is the only form in which their hashes and signatures check out.
/// Rules: the shortest digits that read back to the same double; positional notation when the
/// decimal exponent is in [-4, 16), with ".0" after a whole number; otherwise <c>d.ddde±XX</c>
/// with at least two exponent digits.
/// </summary>
internal static class LegacyFloatFormat
{
    /// <summary>Longest output: sign, 17 digits, point, "e-", three exponent digits; or 0.000ddd.</summary>
    public const int MaxLength = 32;

    public static int Format(double value, Span<byte> destination)
    {
        if (!double.IsFinite(value))
            throw new CanonicalJsonException("NaN and infinities have no JSON form.");

        // .NET's round-trip format yields the same shortest digits as Python's repr; only the layout differs.
        Span<char> text = stackalloc char[MaxLength];
        if (!value.TryFormat(text, out var length, "R", CultureInfo.InvariantCulture))
            throw new CanonicalJsonException("Could not format a floating-point number.");
        text = text[..length];

        var pos = 0;
        if (text[0] == '-')
        {
            destination[pos++] = (byte)'-';
            text = text[1..];
        }

        var exponentAt = text.IndexOf('E');
        var exponent = exponentAt < 0 ? 0 : int.Parse(text[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var mantissa = exponentAt < 0 ? text : text[..exponentAt];

        // Collect the significant digits and where the decimal point falls among them:
        // value = 0.d1d2d3... x 10^pointPosition.
        Span<byte> digits = stackalloc byte[MaxLength];
        var digitCount = 0;
        var pointAt = mantissa.IndexOf('.');
        var pointPosition = (pointAt < 0 ? mantissa.Length : pointAt) + exponent;
        foreach (var c in mantissa)
        {
            if (c == '.') continue;
            if (digitCount == 0 && c == '0') { pointPosition--; continue; }
            digits[digitCount++] = (byte)c;
        }
        while (digitCount > 0 && digits[digitCount - 1] == '0') digitCount--;

        if (digitCount == 0)
        {
            "0.0"u8.CopyTo(destination[pos..]);
            return pos + 3;
        }
        digits = digits[..digitCount];

        if (pointPosition is > -4 and <= 16)
        {
            if (pointPosition <= 0)
            {
                destination[pos++] = (byte)'0';
                destination[pos++] = (byte)'.';
                for (var i = 0; i < -pointPosition; i++) destination[pos++] = (byte)'0';
                digits.CopyTo(destination[pos..]);
                return pos + digitCount;
            }
            if (pointPosition < digitCount)
            {
                digits[..pointPosition].CopyTo(destination[pos..]);
                pos += pointPosition;
                destination[pos++] = (byte)'.';
                digits[pointPosition..].CopyTo(destination[pos..]);
                return pos + digitCount - pointPosition;
            }
            digits.CopyTo(destination[pos..]);
            pos += digitCount;
            for (var i = digitCount; i < pointPosition; i++) destination[pos++] = (byte)'0';
            destination[pos++] = (byte)'.';
            destination[pos++] = (byte)'0';
            return pos;
        }

        destination[pos++] = digits[0];
        if (digitCount > 1)
        {
            destination[pos++] = (byte)'.';
            digits[1..].CopyTo(destination[pos..]);
            pos += digitCount - 1;
        }
        var scientificExponent = pointPosition - 1;
        destination[pos++] = (byte)'e';
        destination[pos++] = scientificExponent < 0 ? (byte)'-' : (byte)'+';
        var magnitude = Math.Abs(scientificExponent);
        if (magnitude < 10) destination[pos++] = (byte)'0';
        magnitude.TryFormat(destination[pos..], out var exponentDigits, default, CultureInfo.InvariantCulture);
        return pos + exponentDigits;
    }
}
