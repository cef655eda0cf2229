//! Tools behind `bench/run.py`: `gen_corpus` writes a deterministic
//! benchmark corpus, `evtx_baseline` times the `evtx` crate alone.
