using System.Text.Json.Nodes;

namespace Cluster.Benchmarks;

/// <summary>Events shaped like real traffic, for benchmarks.</summary>
public static class SampleEvents
{
    /// <summary>An m.room.message PDU of about 1 KB in canonical form.</summary>
    public static JsonObject TypicalMessage() => JsonNode.Parse("""
    {
      "type": "m.room.message",
      "room_id": "!abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
      "sender": "@alice.wonderland:matrix.example.org",
      "origin_server_ts": 1732350000000,
      "depth": 12345,
      "content": {
        "msgtype": "m.text",
        "body": "Here is a message that is long enough to look like something a person would write in a busy room, with some punctuation, some \"quotes\" and a line\nbreak, plus unicode: caf\u00e9 \u65e5\u672c \ud83d\ude00.",
        "format": "org.matrix.custom.html",
        "formatted_body": "<p>Here is a message that is long enough to look like something a person would write in a busy room</p>",
        "m.mentions": { "user_ids": ["@bob:example.com"] }
      },
      "prev_events": ["$Jf5bCvXQ3fLu8fFhkQQ5aT3m6P5H8aXcmzVQdQEkVrA", "$Xy9aB7cD6eF5gH4iJ3kL2mN1oP0qR9sT8uV7wX6yZ5A"],
      "auth_events": ["$CrEaTeEvEnTiDxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "$PoWeRlEvElSxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "$MeMbErShIpxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
      "hashes": { "sha256": "T7B9eL7y1tU4mUQ8R5Jk2M8GkZp9Y0a1b2c3d4e5f6g" },
      "signatures": { "matrix.example.org": { "ed25519:a_XyZw": "dGhpcyBpcyBhIHNpZ25hdHVyZSB0aGF0IGlzIDY0IGJ5dGVzIGxvbmcgYW5kIGJhc2U2NCBlbmNvZGVkIGZvciB0ZXN0cw" } },
      "unsigned": { "age_ts": 1732350000000 }
    }
    """)!.AsObject();
}
