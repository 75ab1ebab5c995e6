//! Fuzz target: the whole pipeline (detection, the reader it picks, extraction).
fn main() {
    let options = jixiao::ExtractOptions::new().limits(jixiao_fuzz::limits());
    afl::fuzz_nohook!(|data: &[u8]| {
        let _ = jixiao::extract_bytes(data, "fuzz", &options).result;
    });
}
