package dev.pharos.bus;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class PagedRepliesTest {

  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(5000);

  private static JsonObject whole(int registrations, int maintenance) {
    JsonArray r = new JsonArray();
    for (int i = 0; i < registrations; i++) {
      r.add(new JsonObject().put("id", "r" + i));
    }
    JsonArray m = new JsonArray();
    for (int i = 0; i < maintenance; i++) {
      m.add(new JsonObject().put("id", "m" + i));
    }
    return new JsonObject().put("member", "a").put("node", "n").put("registrations", r).put("maintenance", m);
  }

  /** Every message the answerer sends on the way, so a test sees each page's size. */
  private static List<JsonObject> answering(Vertx vertx, JsonObject whole) throws Exception {
    List<JsonObject> pages = new CopyOnWriteArrayList<>();
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      if (delivery.message().body() instanceof JsonObject body && (body.containsKey("member") || body.containsKey("more"))) {
        pages.add(body);
      }
      delivery.next();
    });
    vertx.eventBus().<JsonObject>consumer("snapshot", msg -> PagedReplies.reply(msg, whole, List.of("registrations", "maintenance")))
      .completion().await(5, TimeUnit.SECONDS);
    return pages;
  }

  @Test
  void aBigAnswerComesInPagesOfTheSizeAskedAndIsPutTogetherInOrder(Vertx vertx) throws Exception {
    JsonObject whole = whole(1234, 70);
    List<JsonObject> pages = answering(vertx, whole);
    JsonObject got = PagedReplies.request(vertx, "snapshot", new JsonObject().put("apps", new JsonArray().add("web")), 100, ASK)
      .await(10, TimeUnit.SECONDS);
    assertEquals(whole, got, "the same answer as in one message");
    assertEquals(14, pages.size(), "1,304 entries in pages of 100");
    for (JsonObject page : pages) {
      int entries = page.getJsonArray("registrations", new JsonArray()).size() + page.getJsonArray("maintenance", new JsonArray()).size();
      assertTrue(entries <= 100, "a page of " + entries);
    }
    assertEquals("a", pages.get(0).getString("member"), "the first page has the answer's other fields");
    assertTrue(pages.subList(1, pages.size()).stream().noneMatch(p -> p.containsKey("member")), "the later pages only its lists");
  }

  @Test
  void aRequestWithoutAPageSizeGetsTheWholeAnswerAtOnce(Vertx vertx) throws Exception {
    JsonObject whole = whole(1234, 70);
    List<JsonObject> pages = answering(vertx, whole);
    JsonObject got = vertx.eventBus().<JsonObject>request("snapshot", new JsonObject(), ASK).await(10, TimeUnit.SECONDS).body();
    assertEquals(whole, got);
    assertEquals(1, pages.size());
    // and an answer that fits one page comes as it is, without "more" left in it
    vertx.eventBus().<JsonObject>consumer("small", msg -> PagedReplies.reply(msg, whole(3, 1), List.of("registrations", "maintenance")))
      .completion().await(5, TimeUnit.SECONDS);
    assertEquals(whole(3, 1), PagedReplies.request(vertx, "small", new JsonObject(), 100, ASK).await(10, TimeUnit.SECONDS));
    // a list the answer does not have is not in its pages either
    vertx.eventBus().<JsonObject>consumer("without", msg -> PagedReplies.reply(msg, whole(3, 1), List.of("registrations", "unheld")))
      .completion().await(5, TimeUnit.SECONDS);
    JsonObject page = vertx.eventBus().<JsonObject>request("without", new JsonObject().put(PagedReplies.PAGE_SIZE, 100), ASK)
      .await(10, TimeUnit.SECONDS).body();
    assertEquals(whole(3, 1).put("more", false), page);
  }

  @Test
  void aPageSizeThatIsNotAWholeNumberFromOneIsA400NamingIt(Vertx vertx) throws Exception {
    answering(vertx, whole(1, 0));
    for (Object bad : List.of(0, -3, "ten", 2.5)) {
      ReplyException e = (ReplyException) assertThrows(Exception.class, () -> vertx.eventBus()
        .request("snapshot", new JsonObject().put(PagedReplies.PAGE_SIZE, bad), ASK).await(5, TimeUnit.SECONDS));
      assertEquals(400, e.failureCode());
      assertTrue(e.getMessage().startsWith("pageSize:"), e.getMessage());
    }
  }

  /** A snapshot asked until answered, in pages (a starting checker asking another's up instances): applied once, whole. */
  @Test
  void aSnapshotAskedInPagesUntilAnsweredIsAppliedWhole(Vertx vertx) throws Exception {
    List<JsonObject> asked = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer("others", msg -> {
      asked.add(msg.body());
      PagedReplies.reply(msg, whole(5, 0), List.of("registrations", "maintenance"));
    }).completion().await(5, TimeUnit.SECONDS);
    List<JsonObject> applied = new CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    dev.pharos.stage.StageStatus status = new dev.pharos.stage.StageStatus("health-checker", "n1");
    vertx.runOnContext(v -> Snapshots.askInPagesUntilAnswered(vertx, "others", new JsonObject().put("watches", false), 2, status,
      body -> {
        applied.add(body);
        done.countDown();
      }, () -> false));
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertEquals(2, asked.get(0).getInteger(PagedReplies.PAGE_SIZE), "asked in pages");
    assertEquals(List.of(whole(5, 0)), applied, "applied once, whole");
  }
}
