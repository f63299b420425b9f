package dev.pharos.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** DNS messages as a client puts them on the wire, by hand (so malformed ones too), and read back with Netty's decoder. */
final class Wire {

  private Wire() {
  }

  /** A query for {@code name} of {@code type}; with {@code ednsSize} > 0 an OPT record saying that UDP size. */
  static byte[] query(int id, String name, DnsRecordType type, int ednsSize) {
    ByteBuf out = Unpooled.buffer();
    out.writeShort(id).writeShort(0x0100).writeShort(1).writeShort(0).writeShort(0).writeShort(ednsSize > 0 ? 1 : 0);
    name(name, out);
    out.writeShort(type.intValue()).writeShort(DnsRecord.CLASS_IN);
    if (ednsSize > 0) {
      out.writeByte(0).writeShort(DnsRecordType.OPT.intValue()).writeShort(ednsSize).writeInt(0).writeShort(0);
    }
    return bytes(out);
  }

  static void name(String name, ByteBuf out) {
    for (String label : name.split("\\.")) {
      if (!label.isEmpty()) {
        byte[] b = label.getBytes(StandardCharsets.UTF_8);
        out.writeByte(b.length).writeBytes(b);
      }
    }
    out.writeByte(0);
  }

  static byte[] bytes(ByteBuf buf) {
    byte[] b = new byte[buf.readableBytes()];
    buf.readBytes(b);
    buf.release();
    return b;
  }

  static DnsResponse decode(byte[] message) {
    EmbeddedChannel channel = new EmbeddedChannel(new DatagramDnsResponseDecoder());
    InetSocketAddress here = new InetSocketAddress(InetAddress.getLoopbackAddress(), 53);
    channel.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(message), here, here));
    DnsResponse response = channel.readInbound();
    channel.finishAndReleaseAll();
    return response;
  }

  /** Sends over UDP and waits up to 5 s for the answer. */
  static byte[] udp(int port, byte[] query) throws IOException {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(5000);
      socket.send(new java.net.DatagramPacket(query, query.length, InetAddress.getLoopbackAddress(), port));
      java.net.DatagramPacket answer = new java.net.DatagramPacket(new byte[65535], 65535);
      socket.receive(answer);
      byte[] b = new byte[answer.getLength()];
      System.arraycopy(answer.getData(), 0, b, 0, b.length);
      return b;
    }
  }

  static DnsResponse ask(int port, String name, DnsRecordType type) throws IOException {
    return decode(udp(port, query(7, name, type, 0)));
  }

  /** Writes one message with its length prefix. */
  static void send(Socket socket, byte[] message) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(new byte[]{(byte) (message.length >> 8), (byte) message.length});
    out.write(message);
    out.flush();
  }

  /** Reads one message behind its length prefix. */
  static byte[] receive(Socket socket) throws IOException {
    DataInputStream in = new DataInputStream(socket.getInputStream());
    byte[] b = new byte[in.readUnsignedShort()];
    in.readFully(b);
    return b;
  }

  static DnsResponse askTcp(int port, String name, DnsRecordType type) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(5000);
      send(socket, query(8, name, type, 0));
      return decode(receive(socket));
    }
  }

  /** The records of a section, as "TYPE rdata" strings: A the address, SRV "prio weight port target". */
  static List<String> records(DnsResponse response, DnsSection section) {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < response.count(section); i++) {
      DnsRecord r = response.recordAt(section, i);
      String text = r.type().name();
      if (r instanceof DnsRawRecord raw) {
        ByteBuf c = raw.content().duplicate();
        if (r.type() == DnsRecordType.A || r.type() == DnsRecordType.AAAA) {
          byte[] a = new byte[c.readableBytes()];
          c.readBytes(a);
          try {
            text += " " + InetAddress.getByAddress(a).getHostAddress();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        } else if (r.type() == DnsRecordType.SRV) {
          text += " " + c.readUnsignedShort() + " " + c.readUnsignedShort() + " " + c.readUnsignedShort() + " "
            + DefaultDnsRecordDecoder.decodeName(c);
        }
      }
      all.add(r.name() + " " + text);
    }
    return all;
  }
}
