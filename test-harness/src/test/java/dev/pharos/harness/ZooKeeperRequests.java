package dev.pharos.harness;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

/**
 * Recognises ZooKeeper client requests in raw bytes, for {@link FaultProxy#stallRepliesAfter}.
 * A request is {@code int length, int xid, int opcode} then its body; a create's body starts
 * with its path as {@code int length, UTF-8 bytes}. Paths on the wire include the client's chroot.
 */
final class ZooKeeperRequests {

  private static final int CREATE = 1;
  private static final int CREATE2 = 15;

  private ZooKeeperRequests() {
  }

  /** A chunk holding a plain create (not one inside a multi) of a path starting with {@code prefix}. */
  static Predicate<ByteBuffer> createUnder(String prefix) {
    byte[] wanted = prefix.getBytes(StandardCharsets.UTF_8);
    return chunk -> {
      for (int i = chunk.position(); i + 8 + wanted.length <= chunk.limit(); i++) {
        int opcode = chunk.getInt(i);
        if ((opcode == CREATE || opcode == CREATE2) && chunk.getInt(i + 4) >= wanted.length && startsWith(chunk, i + 8, wanted)) {
          return true;
        }
      }
      return false;
    };
  }

  /** The path a create request in {@code chunk} names, once {@link #createUnder} matched it. */
  static String createdPath(byte[] chunk, String prefix) {
    ByteBuffer b = ByteBuffer.wrap(chunk);
    byte[] wanted = prefix.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i + 8 + wanted.length <= chunk.length; i++) {
      int opcode = b.getInt(i);
      int length = b.getInt(i + 4);
      if ((opcode == CREATE || opcode == CREATE2) && length >= wanted.length && i + 8 + length <= chunk.length
        && startsWith(b, i + 8, wanted)) {
        return new String(chunk, i + 8, length, StandardCharsets.UTF_8);
      }
    }
    throw new IllegalArgumentException("no create under " + prefix + " in the chunk");
  }

  private static boolean startsWith(ByteBuffer b, int at, byte[] wanted) {
    for (int j = 0; j < wanted.length; j++) {
      if (b.get(at + j) != wanted[j]) {
        return false;
      }
    }
    return true;
  }
}
