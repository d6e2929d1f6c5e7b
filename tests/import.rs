//! `casebook import`: Word documents (made by tests/fixtures/import/make.py) into draft pages
//! of a copy of the example casebook, which then builds with --drafts.

mod common;

use common::{Fixture, copy_tree};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn docx(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// A copy of the example casebook (its site.yaml and content).
fn example_site() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(repo.join("site.yaml"), dir.path().join("site.yaml")).unwrap();
    copy_tree(&repo.join("content"), &dir.path().join("content"));
    Fixture { dir }
}

fn import(site: &Fixture, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casebook"))
        .arg("import")
        .args(args)
        .arg("--root")
        .arg(site.root())
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn build_drafts(site: &Fixture) {
    let report = casebook::build(&casebook::BuildOptions {
        drafts: true,
        ..casebook::BuildOptions::new(site.root())
    });
    assert!(
        !report.has_errors(),
        "build --drafts failed:\n{}",
        casebook::diagnostics::to_human(&report.diagnostics, false)
    );
}

const XUZHOU: &str = "江苏省徐州市-淮海码助力城乡配送";
const HUZHOU: &str = "浙江省湖州市-县域商业体系标准化";
const SHANGHAI: &str = "上海市-绿色包装循环共用";

#[test]
fn the_annex_becomes_one_draft_per_practice_with_its_aspect() {
    let site = example_site();
    let annex = docx("annex.docx");
    let output = import(&site, &[annex.to_str().unwrap(), "--split", "2"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let lines: Vec<String> = stdout(&output).lines().map(str::to_string).collect();
    assert_eq!(
        lines,
        [
            format!("created content/practices/{XUZHOU}/index.zh.md (1 image)"),
            format!("created content/practices/{HUZHOU}/index.zh.md"),
            format!("created content/practices/{SHANGHAI}/index.zh.md"),
        ]
    );
    let page = |slug: &str| {
        std::fs::read_to_string(
            site.root()
                .join(format!("content/practices/{slug}/index.zh.md")),
        )
        .unwrap()
    };
    for (slug, title, aspect) in [
        (XUZHOU, "江苏省徐州市：淮海码助力城乡配送", "urban-rural"),
        (HUZHOU, "浙江省湖州市：县域商业体系标准化", "urban-rural"),
        (SHANGHAI, "上海市：绿色包装循环共用", "green"),
    ] {
        let text = page(slug);
        assert!(text.starts_with("---\n"), "{text}");
        for line in [
            format!("title: \"{title}\"\n"),
            format!("aspect: \"{aspect}\"\n"),
            "date: 2023-01-19\n".to_string(),
            "draft: true\n".to_string(),
        ] {
            assert!(text.contains(&line), "{line} in {text}");
        }
        assert!(text.contains("region: \"TODO\"  # TODO"), "{text}");
        assert!(
            text.contains("source: \"https://example.org/\"  # TODO"),
            "{text}"
        );
    }
    let xuzhou = page(XUZHOU);
    // Full-width punctuation and the ideographic spaces of the indent are kept as written.
    assert!(
        xuzhou.contains("summary: \"徐州市以标准化推动城乡流通协同发展，构建“县、乡、村”三级物流体系；旧目标配送时效提升 30%。\""),
        "{xuzhou}"
    );
    assert!(
        xuzhou.contains("\n　　徐州市以**标准化**推动城乡流通协同发展，构建“*县、乡、村*”三级物流体系；~~旧目标~~配送时效提升 30%。[^1]\n"),
        "{xuzhou}"
    );
    assert!(
        xuzhou.contains("符号 \\*星号\\* 与 \\#井号 原样保留"),
        "{xuzhou}"
    );
    assert!(xuzhou.contains("\n## 主要做法\n"), "{xuzhou}");
    assert!(
        xuzhou.contains(
            "- 建立县级配送中心\n  1. 统一车辆标识\n  2. 统一作业流程\n- 建设乡镇服务站\n"
        ),
        "{xuzhou}"
    );
    assert!(xuzhou.contains("| 指标 | 2021年 | 2022年 |\n| --- | --- | --- |\n"));
    assert!(xuzhou.contains("![徐州市城乡配送网络示意图](image1.png)"));
    assert!(xuzhou.contains("\n[^1]: 数据来源：徐州市商务局，2022年。\n"));
    let image = std::fs::read(
        site.root()
            .join(format!("content/practices/{XUZHOU}/image1.png")),
    )
    .unwrap();
    assert!(image.starts_with(b"\x89PNG"));
    assert!(page(HUZHOU).contains("<td rowspan=\"2\">仓储</td>"));

    // The paragraph before the first practice is named in a warning.
    let warnings = stderr(&output);
    assert!(
        warnings.contains("annex.docx: warning: paragraph 2 (\"各地试点单位经验做法汇编如下。\") comes before the first level-2 heading and is not imported"),
        "{warnings}"
    );

    build_drafts(&site);
    let html = site.page(&format!("practices/{XUZHOU}/"));
    assert!(html.texts("h1")[0].starts_with("江苏省徐州市：淮海码助力城乡配送"));
    assert!(html.texts("strong").contains(&"标准化".to_string()));
    assert!(html.texts("em").contains(&"县、乡、村".to_string()));
    assert!(html.texts("del").contains(&"旧目标".to_string()));
    assert_eq!(html.count("ul > li > ol > li"), 2);
    assert_eq!(html.texts("table th"), ["指标", "2021年", "2022年"]);
    assert_eq!(
        html.attrs("a[href^='https://www.mofcom']", "href"),
        ["https://www.mofcom.gov.cn/"]
    );
    assert_eq!(html.attrs("img", "alt"), ["徐州市城乡配送网络示意图"]);
    let src = &html.attrs("img", "src")[0];
    assert!(src.ends_with("/image1.png"), "{src}");
    assert!(
        site.public()
            .join(format!("practices/{XUZHOU}/image1.png"))
            .exists()
    );
    assert!(html.count(".footnote-definition") == 1);
    let huzhou = site.page(&format!("practices/{HUZHOU}/"));
    assert_eq!(huzhou.count("td[rowspan='2']"), 1);

    // Nothing is written outside the pages' folders.
    let mut written: Vec<String> = walk(&site.root().join("content/practices"))
        .into_iter()
        .filter(|p| !p.starts_with("xuzhou."))
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            format!("{SHANGHAI}/index.zh.md"),
            format!("{XUZHOU}/image1.png"),
            format!("{XUZHOU}/index.zh.md"),
            format!("{HUZHOU}/index.zh.md"),
        ]
    );
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            out.extend(walk(&path).into_iter().map(|p| format!("{name}/{p}")));
        } else {
            out.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    out
}

#[test]
fn an_existing_page_is_replaced_only_with_force() {
    let site = example_site();
    let annex = docx("annex.docx");
    let annex = annex.to_str().unwrap();
    assert!(import(&site, &[annex, "--split", "2"]).status.success());
    let target = site
        .root()
        .join(format!("content/practices/{XUZHOU}/index.zh.md"));
    std::fs::write(&target, "edited by hand").unwrap();
    let again = import(&site, &[annex, "--split", "2"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("exists and is not overwritten"));
    assert!(stderr(&again).contains("pass --force to replace it"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "edited by hand");
    let forced = import(&site, &[annex, "--split", "2", "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(stdout(&forced).contains(&format!("replaced content/practices/{XUZHOU}/index.zh.md")));
    assert!(std::fs::read_to_string(&target).unwrap().contains("title:"));
}

#[test]
fn without_split_a_document_is_one_page_titled_by_its_title() {
    let site = example_site();
    let output = import(
        &site,
        &[docx("annex.docx").to_str().unwrap(), "--lang", "en"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let slug = "国家级服务业标准化试点-商贸流通专项-第一批典型经验做法";
    let text = std::fs::read_to_string(
        site.root()
            .join(format!("content/practices/{slug}/index.en.md")),
    )
    .unwrap();
    assert!(text.contains("title: \"国家级服务业标准化试点（商贸流通专项）第一批典型经验做法\""));
    assert!(text.contains("summary: \"各地试点单位经验做法汇编如下。\""));
    assert!(text.contains("\n## 一、推动城乡流通协调发展\n\n### （一）江苏省徐州市"));
    build_drafts(&site);
    // `check --drafts` lists what the editor must still fill in.
    let report = casebook::check(&casebook::BuildOptions {
        drafts: true,
        ..casebook::BuildOptions::new(site.root())
    });
    let todo: Vec<(&str, usize, &str)> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == casebook::diagnostics::Severity::Info)
        .map(|d| (d.file.as_str(), d.line, d.message.as_str()))
        .collect();
    let file = format!("content/practices/{slug}/index.en.md");
    assert_eq!(
        todo,
        [
            (file.as_str(), 3, "`region` is still to fill in"),
            (file.as_str(), 5, "`source` is still to fill in"),
        ]
    );
}

#[test]
fn what_cannot_be_converted_is_a_warning_naming_the_paragraph_and_a_placeholder() {
    let site = example_site();
    let output = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .args(["import", "--format", "json", "--root"])
        .arg(site.root())
        .arg(docx("gaps.docx"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let diagnostics: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let messages: Vec<&str> = diagnostics
        .as_array()
        .unwrap()
        .iter()
        .inspect(|d| assert_eq!(d["severity"], "warning"))
        .inspect(|d| assert!(d["file"].as_str().unwrap().ends_with("gaps.docx")))
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    for expected in [
        "paragraph 2 (\"面积公式：。\"): an equation cannot be imported",
        "paragraph 3 (\"文本框之前\"): a text box cannot be imported",
        "paragraph 4 (\"有批注的句子。\"): a comment is not imported",
        "paragraph 5 (\"修订：新增的文字\"): a tracked change (an insertion) is imported as if accepted",
        "paragraph 5 (\"修订：新增的文字\"): a tracked change (a deletion)",
        "paragraph 6 (\"嵌入的表格对象：\"): an embedded object cannot be imported",
    ] {
        assert!(
            messages.iter().any(|m| m.starts_with(expected)),
            "{expected} in {messages:#?}"
        );
    }
    assert_eq!(messages.len(), 6, "{messages:#?}");
    let text = std::fs::read_to_string(
        site.root()
            .join("content/practices/含不能转换内容的文档/index.zh.md"),
    )
    .unwrap();
    assert!(text.contains("面积公式：\\[equation not imported\\]<!--"));
    assert!(text.contains("文本框之前\\[text box not imported\\]"));
    assert!(text.contains("\\[embedded object not imported\\]"));
    assert!(text.contains("修订：新增的文字 <!--"), "{text}");
    assert!(!text.contains("删去的文字"));
    assert!(!text.contains("框内文字"));
    build_drafts(&site);
    let html = site.page("practices/含不能转换内容的文档/");
    assert!(
        html.texts("p")
            .contains(&"面积公式：[equation not imported]。".to_string())
    );
}

#[test]
fn chinese_heading_styles_and_libreoffice_documents_import() {
    let site = example_site();
    let output = import(
        &site,
        &[
            docx("word-zh.docx").to_str().unwrap(),
            docx("libreoffice-zh.docx").to_str().unwrap(),
            "--split",
            "2",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    // Many files say how far the import is: a bar on a terminal, a line per file here.
    let said = stderr(&output);
    let lines: Vec<&str> = said
        .lines()
        .filter(|l| l.starts_with("importing "))
        .collect();
    assert_eq!(lines.len(), 2, "{said}");
    assert!(lines[0].contains("word-zh.docx (1 of 2)"), "{said}");
    assert!(lines[1].contains("libreoffice-zh.docx (2 of 2)"), "{said}");
    let read = |slug: &str| {
        std::fs::read_to_string(
            site.root()
                .join(format!("content/practices/{slug}/index.zh.md")),
        )
        .unwrap()
    };
    for slug in ["北京市-连锁企业标准化", "天津市-老字号标准化"] {
        assert!(
            read(slug).contains("aspect: \"enterprise-innovation\""),
            "{}",
            read(slug)
        );
    }
    let guangzhou = read("广东省广州市-内外贸同线同标同质");
    assert!(guangzhou.contains("aspect: \"trade-integration\""));
    assert!(guangzhou.contains("- 同标认证\n  - 国内标准\n  - 国际标准\n\n1. 第一步\n2. 第二步\n"));
    assert!(guangzhou.contains("| 项目 | 数量 |"));
    build_drafts(&site);
}

#[test]
fn files_that_are_not_docx_are_clear_errors() {
    let site = example_site();
    for (file, code, words) in [
        ("legacy.doc", 1, "legacy Word document (.doc)"),
        ("encrypted.docx", 1, "encrypted (password-protected)"),
        ("report.pdf", 1, "this is a PDF"),
        ("truncated.docx", 1, "this .docx is damaged"),
        ("make.py", 1, "not a Word document"),
        ("no-such-file.docx", 2, "cannot read the file"),
    ] {
        let output = import(&site, &[docx(file).to_str().unwrap()]);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{file}: {}",
            stderr(&output)
        );
        let said = stderr(&output);
        assert!(said.contains(words), "{file}: {said}");
        if code == 1 {
            assert!(said.contains(".docx"), "{file} says what to do: {said}");
        }
    }
    assert!(!site.root().join("content/practices").join("make").exists());
}

#[test]
fn a_zip_bomb_is_refused_without_reading_it() {
    use std::io::Write;
    let site = example_site();
    let bomb = site.root().join("bomb.docx");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&bomb).unwrap());
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("word/document.xml", deflated).unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..80 {
        zip.write_all(&spaces).unwrap();
    }
    zip.finish().unwrap();
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1 << 20);
    let output = import(&site, &[bomb.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output)
            .contains("word/document.xml in this package is larger than 64 MB (it declares 80 MB)"),
        "{}",
        stderr(&output)
    );

    // The same bomb with headers that declare 1,000 bytes: reading stops at 64 MB.
    let liar = site.root().join("liar.docx");
    let mut bytes = std::fs::read(&bomb).unwrap();
    let declare = |bytes: &mut Vec<u8>, at: usize| {
        bytes[at..at + 4].copy_from_slice(&1000u32.to_le_bytes());
    };
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    declare(&mut bytes, 22);
    let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    declare(&mut bytes, central + 24);
    std::fs::write(&liar, bytes).unwrap();
    let output = import(&site, &[liar.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("larger than 64 MB (it holds more than it declares)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_image_missing_from_the_package_is_a_warning_and_a_placeholder() {
    let site = example_site();
    let broken = site.root().join("no-image.docx");
    let mut annex = zip::ZipArchive::new(std::fs::File::open(docx("annex.docx")).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(&broken).unwrap());
    for i in 0..annex.len() {
        let entry = annex.by_index_raw(i).unwrap();
        if !entry.name().starts_with("word/media/") {
            out.raw_copy_file(entry).unwrap();
        }
    }
    out.finish().unwrap();
    let output = import(&site, &[broken.to_str().unwrap(), "--split", "2"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains(&format!("created content/practices/{XUZHOU}/index.zh.md\n")));
    assert!(
        stderr(&output)
            .contains("the image image1.png of \"江苏省徐州市：淮海码助力城乡配送\" is not copied"),
        "{}",
        stderr(&output)
    );
    let text = std::fs::read_to_string(
        site.root()
            .join(format!("content/practices/{XUZHOU}/index.zh.md")),
    )
    .unwrap();
    assert!(text.contains("\n\\[image not imported\\]\n"), "{text}");
    build_drafts(&site);
}
