package dev.pharos.ambassador;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

/** A client of a listener on loopback, as the tests' consumers. */
final class ListenerClient {

  private ListenerClient() {
  }

  /** The first line the listener's connection gives, or null when the connection is closed at once. */
  static String firstLine(int port) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      return readLine(s.getInputStream());
    }
  }

  /** One line, without its end; null when the stream ends before any byte. */
  static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      line.append((char) c);
    }
    return c < 0 && line.isEmpty() ? null : line.toString();
  }
}
