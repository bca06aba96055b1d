package dev.mongorow.emulator.server;

import java.util.concurrent.atomic.AtomicInteger;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.message.MessageHeader;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import dev.mongorow.emulator.changestream.ChangeStreamService;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Takes getMore requests on change stream cursors out of mongo-java-server's synchronous request path and
 * answers them when the {@link ChangeStreamService} has a batch, so a getMore can wait for events without
 * blocking the event loop that other connections share. Everything else passes through unchanged.
 *
 * <p>Drivers send one request at a time per connection and wait for its reply, so replying later keeps
 * each connection's request/reply order.
 */
final class ChangeStreamGetMoreHandler extends ChannelInboundHandlerAdapter {

    private final ChangeStreamService changeStreams;
    private final AtomicInteger replyIds = new AtomicInteger();

    ChangeStreamGetMoreHandler(ChangeStreamService changeStreams) {
        this.changeStreams = changeStreams;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        if (message instanceof MongoMessage request && isGetMore(request.getDocument())) {
            long cursorId = ((Number) request.getDocument().get("getMore")).longValue();
            var pendingReply = changeStreams.getMore(cursorId, request.getDocument(), context.executor());
            if (pendingReply.isPresent()) {
                pendingReply.get().thenAccept(reply -> context.writeAndFlush(new MongoMessage(context.channel(),
                    new MessageHeader(replyIds.incrementAndGet(), request.getHeader().getRequestID()), reply)));
                return;
            }
        }
        context.fireChannelRead(message);
    }

    private static boolean isGetMore(Document command) {
        return !command.isEmpty() && "getMore".equals(command.keySet().iterator().next())
            && command.get("getMore") instanceof Number;
    }
}
