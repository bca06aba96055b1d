package dev.mongorow.emulator.server;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import de.bwaldvogel.mongo.wire.MongoDatabaseHandler;
import de.bwaldvogel.mongo.wire.MongoExceptionHandler;
import de.bwaldvogel.mongo.wire.MongoWireMessageEncoder;
import de.bwaldvogel.mongo.wire.MongoWireProtocolHandler;
import de.bwaldvogel.mongo.wire.MongoWireReplyEncoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * The network side: mongo-java-server's wire protocol codec and request handler, with our
 * {@link ChangeStreamGetMoreHandler} in front of the handler, and optionally TLS (a JDK {@link SSLEngine}
 * in a Netty {@link SslHandler} first in every connection's pipeline: then every connection must speak TLS,
 * as {@code mongod --tlsMode requireTLS}).
 */
public final class EmulatorServer {

    private static final Logger log = LoggerFactory.getLogger(EmulatorServer.class);

    /** TLS protocols offered, as MongoDB 7+ does by default (TLS 1.0 and 1.1 are disabled). */
    static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final EmulatorBackend backend;
    private final SSLContext tls;
    private EventLoopGroup acceptors;
    private EventLoopGroup workers;
    private ChannelGroup clients;
    private Channel serverChannel;

    public EmulatorServer(EmulatorBackend backend) {
        this(backend, null);
    }

    /** A server whose every connection must use TLS with {@code tls}'s key material (plain TCP if null). */
    public EmulatorServer(EmulatorBackend backend, SSLContext tls) {
        this.backend = backend;
        this.tls = tls;
    }

    /** Starts listening; returns the bound address (port 0 picks a free port). */
    public InetSocketAddress bind(String host, int port) {
        acceptors = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("mongo-emulator-accept", true),
            NioIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("mongo-emulator-io", true),
            NioIoHandler.newFactory());
        clients = new DefaultChannelGroup("mongo-emulator-clients", GlobalEventExecutor.INSTANCE);
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptors, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        if (tls != null) {
                            SSLEngine engine = tls.createSSLEngine();
                            engine.setUseClientMode(false);
                            engine.setEnabledProtocols(TLS_PROTOCOLS);
                            channel.pipeline().addLast(new SslHandler(engine));
                        }
                        channel.pipeline()
                            .addLast(new MongoWireReplyEncoder())
                            .addLast(new MongoWireMessageEncoder())
                            .addLast(new MongoWireProtocolHandler())
                            .addLast(new ChangeStreamGetMoreHandler(backend.changeStreams()))
                            .addLast(new MongoDatabaseHandler(backend, clients))
                            .addLast(new MongoExceptionHandler());
                    }
                });
            serverChannel = bootstrap.bind(host, port).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            stop();
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        InetSocketAddress address = (InetSocketAddress) serverChannel.localAddress();
        log.info("listening on {}:{}{}", address.getHostString(), address.getPort(), tls != null ? " (TLS required)" : "");
        return address;
    }

    /** Stops accepting, closes every client connection and the event loops. */
    public void stop() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
            serverChannel = null;
        }
        if (clients != null) {
            clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        for (EventLoopGroup group : new EventLoopGroup[] {acceptors, workers}) {
            if (group != null) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            }
        }
        acceptors = null;
        workers = null;
    }
}
