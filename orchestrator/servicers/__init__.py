"""gRPC servicers: validate, call one service function, return the message."""
