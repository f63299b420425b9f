package dev.pharos.checks.impl;

import dev.pharos.checks.CheckContext;
import dev.pharos.checks.CheckOptions;
import dev.pharos.checks.CheckTarget;
import dev.pharos.checks.CheckType;
import dev.pharos.checks.Probe;
import dev.pharos.model.InvalidDefinitionException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;

import static dev.pharos.checks.impl.AmqpFrames.longString;
import static dev.pharos.checks.impl.AmqpFrames.method;
import static dev.pharos.checks.impl.AmqpFrames.shortString;

/**
 * Nerve's {@code rabbitmq}, after RabbitMQ management's aliveness test: log in as {@code username}
 * / {@code password} (guest by default) to {@code vhost} ("/"), open a channel, declare the
 * {@code nerve} queue, publish a message to it (expiring in 2 s) and get it back. It speaks AMQP
 * 0-9-1 itself on Vert.x's TCP client: RabbitMQ's Java client would take a thread per connection.
 */
public final class RabbitMqCheck implements CheckType {

  static final String QUEUE = "nerve";
  private static final int CHANNEL = 1;
  /**
   * {capabilities: {authentication_failure_close: true}}: a refused login is then told with a
   * Connection.Close naming it, rather than a silent close after the server's delay.
   */
  private static final Buffer CLIENT_PROPERTIES = clientProperties();

  @Override
  public String name() {
    return "rabbitmq";
  }

  @Override
  public Probe prepare(JsonObject check, String field) throws InvalidDefinitionException {
    CheckOptions options = new CheckOptions(check, field);
    String username = options.string("username", "guest");
    String password = options.string("password", "guest");
    String vhost = options.string("vhost", "/");
    byte[] plain = ("\0" + username + "\0" + password).getBytes(StandardCharsets.UTF_8);
    return (context, target, timeoutMs) -> aliveness(context, target, timeoutMs, plain, vhost);
  }

  private static Future<String> aliveness(CheckContext context, CheckTarget target, long timeoutMs, byte[] plain, String vhost) {
    return context.tcp().connect(new ConnectOptions().setHost(target.host()).setPort(target.port())
        .setTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs)))
      .compose(socket -> {
        Promise<String> result = Promise.promise();
        // the socket never outlives the check, whatever the server does
        long deadline = context.vertx().setTimer(timeoutMs, t -> {
          result.tryFail("no answer within " + timeoutMs + " ms");
          socket.close();
        });
        AmqpFrames frames = new AmqpFrames();
        socket.handler(bytes -> {
          try {
            for (AmqpFrames.Frame frame : frames.feed(bytes)) {
              step(socket, frame, plain, vhost, result);
            }
          } catch (RuntimeException e) {
            result.tryFail(e.getMessage());
            socket.close();
          }
        });
        socket.exceptionHandler(err -> result.tryFail(err.getMessage()));
        socket.closeHandler(v -> result.tryFail("the server closed the connection (refused the login?)"));
        socket.write(AmqpFrames.PROTOCOL_HEADER);
        return result.future().onComplete(ar -> context.vertx().cancelTimer(deadline));
      });
  }

  /** One frame of the conversation: answer it, or end the check. */
  private static void step(NetSocket socket, AmqpFrames.Frame frame, byte[] plain, String vhost, Promise<String> result) {
    if (frame.type() == AmqpFrames.HEARTBEAT) {
      return;
    }
    if (frame.is(10, 10)) { // Connection.Start -> StartOk: PLAIN login
      Buffer args = Buffer.buffer().appendBuffer(CLIENT_PROPERTIES);
      shortString(args, "PLAIN");
      longString(args, plain);
      shortString(args, "en_US");
      socket.write(method(0, 10, 11, args));
    } else if (frame.is(10, 30)) { // Tune -> TuneOk with the server's limits, no heartbeat; then Open
      socket.write(method(0, 10, 31, Buffer.buffer().appendUnsignedShort(frame.payload().getUnsignedShort(4))
        .appendUnsignedInt(frame.payload().getUnsignedInt(6)).appendUnsignedShort(0)));
      Buffer open = shortString(Buffer.buffer(), vhost);
      socket.write(method(0, 10, 40, shortString(open, "").appendByte((byte) 0)));
    } else if (frame.is(10, 41)) { // OpenOk -> Channel.Open
      socket.write(method(CHANNEL, 20, 10, shortString(Buffer.buffer(), "")));
    } else if (frame.is(20, 11)) { // Channel.OpenOk -> Queue.Declare nerve (not durable, not exclusive)
      Buffer declare = shortString(Buffer.buffer().appendUnsignedShort(0), QUEUE).appendByte((byte) 0).appendUnsignedInt(0);
      socket.write(method(CHANNEL, 50, 10, declare));
    } else if (frame.is(50, 11)) { // DeclareOk -> publish (mandatory, expiring in 2 s), then Basic.Get
      publish(socket);
      Buffer get = shortString(Buffer.buffer().appendUnsignedShort(0), QUEUE).appendByte((byte) 0);
      socket.write(method(CHANNEL, 60, 70, get));
    } else if (frame.is(60, 71)) { // GetOk: the message came back; ack it and leave
      long deliveryTag = frame.payload().getLong(4);
      socket.write(method(CHANNEL, 60, 80, Buffer.buffer().appendLong(deliveryTag).appendByte((byte) 0)));
      Buffer close = shortString(Buffer.buffer().appendUnsignedShort(200), "bye").appendUnsignedShort(0).appendUnsignedShort(0);
      socket.write(method(0, 10, 50, close));
      result.tryComplete("published and got back a message");
    } else if (frame.is(60, 72)) {
      result.tryFail("the message published to queue " + QUEUE + " did not come back");
      socket.close();
    } else if (frame.is(10, 50) || frame.is(20, 40)) { // the server closed the connection or the channel
      result.tryFail("rabbitmq closed the " + (frame.classId() == 10 ? "connection" : "channel") + ": " + frame.closeReason());
      socket.close();
    } else if (frame.is(10, 51)) {
      socket.close();
    }
    // anything else (the message's header and body after GetOk) needs no answer
  }

  private static Buffer clientProperties() {
    Buffer capability = shortString(Buffer.buffer(), "authentication_failure_close").appendByte((byte) 't').appendByte((byte) 1);
    Buffer capabilities = shortString(Buffer.buffer(), "capabilities").appendByte((byte) 'F')
      .appendUnsignedInt(capability.length()).appendBuffer(capability);
    return Buffer.buffer().appendUnsignedInt(capabilities.length()).appendBuffer(capabilities);
  }

  private static void publish(NetSocket socket) {
    byte[] body = "nerve test message".getBytes(StandardCharsets.UTF_8);
    Buffer args = Buffer.buffer().appendUnsignedShort(0);
    shortString(args, "");
    shortString(args, QUEUE).appendByte((byte) 1);
    socket.write(method(CHANNEL, 60, 40, args));
    // content header: class 60, weight 0, body size, property flags with only expiration (bit 8)
    Buffer header = Buffer.buffer().appendUnsignedShort(60).appendUnsignedShort(0).appendLong(body.length)
      .appendUnsignedShort(1 << 8);
    socket.write(AmqpFrames.frame(AmqpFrames.HEADER, CHANNEL, shortString(header, "2000")));
    socket.write(AmqpFrames.frame(AmqpFrames.BODY, CHANNEL, Buffer.buffer(body)));
  }
}
