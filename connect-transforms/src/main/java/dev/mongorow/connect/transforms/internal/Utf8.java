package dev.mongorow.connect.transforms.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Checks bytes for well-formed UTF-8 without decoding them, so that JSON bytes can go straight to Jackson's
 * byte parser. Jackson's parser is lenient (it reads overlong forms and encoded surrogates); the check makes
 * the byte path accept exactly what the strict JDK decoder accepts (RFC 3629: no overlong forms, no encoded
 * surrogates, nothing above U+10FFFF). Runs of ASCII, nearly all of a JSON document, are checked eight bytes
 * at a time.
 */
final class Utf8 {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long LOW_BITS = 0x0101010101010101L;

    private Utf8() {
    }

    /**
     * True when {@code bytes} are well-formed UTF-8 and hold no NUL byte. A JSON text never holds one (control
     * characters must be escaped), and refusing it keeps Jackson from taking the bytes for UTF-16 or UTF-32.
     */
    static boolean isWellFormedWithoutNul(byte[] bytes) {
        int i = 0;
        int length = bytes.length;
        while (i < length) {
            if (i + Long.BYTES <= length) {
                long word = (long) LONGS.get(bytes, i);
                // no byte with its high bit set, and (exact when none has it) no zero byte
                if (((word | (word - LOW_BITS) & ~word) & HIGH_BITS) == 0) {
                    i += Long.BYTES;
                    continue;
                }
            }
            int lead = bytes[i] & 0xFF;
            if (lead < 0x80) {
                if (lead == 0) {
                    return false;
                }
                i++;
            } else if (lead < 0xC2) {
                return false; // a continuation byte without a lead, or an overlong two-byte form
            } else if (lead < 0xE0) {
                if (i + 1 >= length || !isContinuation(bytes[i + 1])) {
                    return false;
                }
                i += 2;
            } else if (lead < 0xF0) {
                // E0: no overlong forms (second byte A0..BF); ED: no surrogates (second byte 80..9F)
                int low = lead == 0xE0 ? 0xA0 : 0x80;
                int high = lead == 0xED ? 0x9F : 0xBF;
                if (i + 2 >= length || !inRange(bytes[i + 1], low, high) || !isContinuation(bytes[i + 2])) {
                    return false;
                }
                i += 3;
            } else if (lead < 0xF5) {
                // F0: no overlong forms (second byte 90..BF); F4: nothing above U+10FFFF (second byte 80..8F)
                int low = lead == 0xF0 ? 0x90 : 0x80;
                int high = lead == 0xF4 ? 0x8F : 0xBF;
                if (i + 3 >= length || !inRange(bytes[i + 1], low, high) || !isContinuation(bytes[i + 2])
                        || !isContinuation(bytes[i + 3])) {
                    return false;
                }
                i += 4;
            } else {
                return false;
            }
        }
        return true;
    }

    private static boolean isContinuation(byte b) {
        return (b & 0xC0) == 0x80;
    }

    private static boolean inRange(byte b, int low, int high) {
        int value = b & 0xFF;
        return value >= low && value <= high;
    }
}
