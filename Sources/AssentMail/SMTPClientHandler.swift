import NIOCore
import NIOTLS

/// How a wait on the connection ended when it did not end with a reply; `SMTPSession` names the step.
enum SMTPConnectionFailure: Error {
    case timedOut
    case closed
    case failed(any Error)
}

/// The last handler of an SMTP client pipeline: turns the bytes the server sends into replies and hands each to
/// the one waiting for it, with a deadline per wait. A TLS handler added in front of it later (STARTTLS) changes
/// nothing here. Every method runs on the channel's event loop.
final class SMTPClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Waiter<Value> {
        let promise: EventLoopPromise<Value>
        let deadline: Scheduled<Void>
    }

    private var parser = SMTPReplyParser()
    private var replies = CircularBuffer<SMTPReply>()
    private var replyWaiter: Waiter<SMTPReply>?
    private var handshakeWaiter: Waiter<Void>?
    private var handshakeCompleted = false
    private var failure: SMTPConnectionFailure?
    private var context: ChannelHandlerContext?
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Whether the server sent anything not read yet: after the reply to STARTTLS that would be plaintext injected
    /// ahead of the TLS handshake, and it must not be taken for a reply over TLS.
    var holdsUnreadInput: Bool { !replies.isEmpty || parser.holdsPartialReply }

    /// Sends `command` (if any) and waits at most `timeout` for the next reply.
    func request(_ command: ByteBuffer?, timeout: TimeAmount) -> EventLoopFuture<SMTPReply> {
        let promise = eventLoop.makePromise(of: SMTPReply.self)
        if command != nil, let stray = replies.first {
            promise.fail(SMTPConnectionFailure.failed(UnexpectedReply(reply: stray)))
            return promise.futureResult
        }
        if let command, failure == nil {
            guard let context else { return eventLoop.makeFailedFuture(SMTPConnectionFailure.closed) }
            context.writeAndFlush(wrapOutboundOut(command), promise: nil)
        }
        let deadline = eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            guard let waiter = replyWaiter else { return }
            replyWaiter = nil
            waiter.promise.fail(SMTPConnectionFailure.timedOut)
        }
        replyWaiter = Waiter(promise: promise, deadline: deadline)
        deliver()
        return promise.futureResult
    }

    /// Waits at most `timeout` for the TLS handshake of a TLS handler in front of this one.
    func handshake(timeout: TimeAmount) -> EventLoopFuture<Void> {
        if handshakeCompleted { return eventLoop.makeSucceededVoidFuture() }
        if let failure { return eventLoop.makeFailedFuture(failure) }
        let promise = eventLoop.makePromise(of: Void.self)
        let deadline = eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            guard let waiter = handshakeWaiter else { return }
            handshakeWaiter = nil
            waiter.promise.fail(SMTPConnectionFailure.timedOut)
        }
        handshakeWaiter = Waiter(promise: promise, deadline: deadline)
        return promise.futureResult
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            replies.append(contentsOf: try parser.parse(buffer.readableBytesView))
        } catch {
            fail(.failed(error))
            context.close(promise: nil)
        }
        deliver()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            handshakeCompleted = true
            if let waiter = handshakeWaiter {
                handshakeWaiter = nil
                waiter.deadline.cancel()
                waiter.promise.succeed()
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.failed(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.closed)
        context.fireChannelInactive()
    }

    /// Hands buffered replies to the waiter; replies that arrived before a failure still count.
    private func deliver() {
        if let waiter = replyWaiter, let reply = replies.popFirst() {
            replyWaiter = nil
            waiter.deadline.cancel()
            waiter.promise.succeed(reply)
        } else if let waiter = replyWaiter, let failure {
            replyWaiter = nil
            waiter.deadline.cancel()
            waiter.promise.fail(failure)
        }
    }

    private func fail(_ failure: SMTPConnectionFailure) {
        if self.failure == nil { self.failure = failure }
        deliver()
        if let waiter = handshakeWaiter {
            handshakeWaiter = nil
            waiter.deadline.cancel()
            waiter.promise.fail(self.failure ?? failure)
        }
    }
}

/// A reply the server sent before it was asked anything.
struct UnexpectedReply: Error, CustomStringConvertible {
    let reply: SMTPReply
    var description: String { "the server sent a reply nobody asked for: \(reply)" }
}
