package dev.pharos.harness.bench;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;

/** One A query over UDP to a DNS server on loopback, for the benchmarks' waits. */
final class DnsProbe {

  private DnsProbe() {
  }

  /**
   * How many answer records an A query for {@code name} gets (ANCOUNT); {@code -1 - rcode} for
   * an error answer; -1 without an answer in {@code timeoutMs}.
   */
  static int answers(int port, String name, int timeoutMs) throws IOException {
    // the question, then an EDNS0 OPT record offering 4096 bytes: a service of 100 addresses is not cut to 512
    byte[] query = new byte[12 + name.length() + 1 + 4 + 11];
    query[0] = 0x12;
    query[5] = 1;
    query[11] = 1; // ARCOUNT
    int at = 12;
    for (String label : name.split("\\.")) {
      query[at++] = (byte) label.length();
      for (char c : label.toCharArray()) {
        query[at++] = (byte) c;
      }
    }
    query[at++] = 0;
    query[at + 1] = 1; // type A
    query[at + 3] = 1; // class IN
    at += 4;
    query[at + 2] = 41; // OPT, after the root name at query[at]
    query[at + 3] = 0x10; // 4096
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(timeoutMs);
      socket.send(new DatagramPacket(query, query.length, InetAddress.getLoopbackAddress(), port));
      DatagramPacket answer = new DatagramPacket(new byte[65_535], 65_535);
      socket.receive(answer);
      byte[] b = answer.getData();
      int rcode = b[3] & 0x0f;
      return rcode != 0 ? -1 - rcode : (b[6] & 0xff) << 8 | (b[7] & 0xff);
    } catch (SocketTimeoutException | java.net.PortUnreachableException e) {
      return -1;
    }
  }
}
