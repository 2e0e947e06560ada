"""The shared messaging runtime, one package inside every function's archive.

Handler strings: `handlers.producer.handler` and `handlers.consumer.handler`.
The team's own code (the stack's `messaging:codePath` folder) sits beside this
package at the archive root, so a team module can never shadow a runtime module.
A team's own publishing code calls `handlers.publisher.publish(messages)`.
Nothing is imported here: each handler loads only what it uses.
"""
