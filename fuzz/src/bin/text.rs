//! Fuzz target: the text reader on arbitrary bytes.
fn main() {
    afl::fuzz_nohook!(|data: &[u8]| jixiao_fuzz::read_as(jixiao::Format::Text, data));
}
