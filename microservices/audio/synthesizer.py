"""Where eSpeak runs, off the event loop: one dedicated thread of this process, or a pool
of worker processes (spawned, each with its own engine) for syntheses in parallel."""

import asyncio
import logging
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from microservices.audio import speech
from microservices.audio.speech import Speech, SpeechError, Voice

log = logging.getLogger(__name__)


class Synthesizer:
    def __init__(self, processes: int, timeout_s: float) -> None:
        self.processes = processes
        self.timeout_s = timeout_s
        self._executor = self._new_executor()

    def _new_executor(self) -> Executor:
        if self.processes == 0:
            # One thread: calls queue up here rather than on the engine's lock.
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak")
        return ProcessPoolExecutor(
            max_workers=self.processes,
            # spawn: a clean interpreter, never a fork of a threaded one
            mp_context=multiprocessing.get_context("spawn"),
            initializer=speech.warm_up,
        )

    async def warm_up(self) -> None:
        """Load the library now rather than on the first request."""
        await asyncio.get_running_loop().run_in_executor(self._executor, speech.warm_up)

    async def synthesize(self, text: str, voice: Voice, wav_path: Path) -> Speech:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._executor, speech.synthesize, text, voice, wav_path, self.timeout_s
            )
        except BrokenProcessPool:
            # A worker died (eSpeak crashed it): the next request gets a fresh pool.
            log.error("a speech worker died; starting a new pool")
            broken, self._executor = self._executor, self._new_executor()
            broken.shutdown(wait=False, cancel_futures=True)
            raise SpeechError("the speech engine failed") from None

    async def close(self) -> None:
        await asyncio.to_thread(self._executor.shutdown, wait=True, cancel_futures=True)
