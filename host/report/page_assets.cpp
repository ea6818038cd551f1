// The page's CSS and JavaScript (see page_assets.h). Plain ES5 and DOM calls, so any
// browser of the last decade runs it.
#include "report/page_assets.h"

namespace qrsweep::report {

const char* page_style() {
  return R"css(
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 'DejaVu Sans',Verdana,Arial,sans-serif;color:#1d1d1f;
  background:#f6f6f4}
main{max-width:1000px;margin:0 auto;padding:18px 20px 40px}
h1{font-size:22px;margin:4px 0 2px}
h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #ddd;padding-bottom:3px}
.sub{color:#666;font-size:12px;word-break:break-all}
.notes{background:#fff8e1;border:1px solid #f0d58c;border-radius:4px;padding:6px 12px;margin:12px 0}
.notes li{margin:2px 0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:10px}
.card{background:#fff;border:1px solid #ddd;border-radius:4px;padding:8px 12px}
.card h3{font-size:13px;margin:0 0 4px;color:#555;text-transform:uppercase;letter-spacing:.04em}
dl{display:grid;grid-template-columns:auto 1fr;gap:1px 10px;margin:0}
dt{color:#666}dd{margin:0;font-variant-numeric:tabular-nums;word-break:break-word}
.chips span{display:inline-block;border-radius:10px;padding:1px 9px;margin:2px 4px 2px 0;
  font-size:12px;background:#eee}
.s-done{background:#e3efe0!important}.s-diverged{background:#fde2e1!important}
.s-failed{background:#f3d6f0!important}.s-running{background:#e0ecf8!important}
.s-queued{background:#eee!important}
figure{background:#fff;border:1px solid #ddd;border-radius:4px;margin:12px 0;padding:10px}
figure svg{display:block;max-width:100%;height:auto;margin:0 auto}
figure h3{font-size:15px;margin:0 0 6px}
figcaption{color:#444;font-size:12.5px;margin-top:6px}
.controls{margin:6px 0;font-size:13px}.controls label{margin-right:12px;white-space:nowrap}
.tablewrap{overflow-x:auto;background:#fff;border:1px solid #ddd;border-radius:4px}
table.trials{border-collapse:collapse;font-size:12px;width:100%;font-variant-numeric:tabular-nums}
table.trials th{position:sticky;top:0;background:#f0f0ee;cursor:pointer;text-align:left;
  padding:4px 6px;border-bottom:1px solid #ccc;white-space:nowrap;user-select:none}
table.trials th[aria-sort=ascending]::after{content:" \25B2";font-size:9px}
table.trials th[aria-sort=descending]::after{content:" \25BC";font-size:9px}
table.trials td{padding:2px 6px;border-bottom:1px solid #f0f0f0;white-space:nowrap}
table.trials td.n{text-align:right}table.trials tr.best td{background:#fff6d6}
table.trials .nan{color:#b3261e;font-weight:bold}
table.trials tr:hover td{background:#f4f8ff}
footer{color:#888;font-size:11px;margin-top:28px}
)css";
}

const char* page_error_hook() {
  return R"js(
(function(){var n=0;function count(){n+=1;
document.documentElement.setAttribute('data-js-errors',String(n));}
window.addEventListener('error',count);window.addEventListener('unhandledrejection',count);
document.documentElement.setAttribute('data-js-errors','0');})();
)js";
}

const char* page_script() {
  return R"js(
(function(){
  var table=document.getElementById('trials');
  if(!table){document.documentElement.setAttribute('data-ready','1');return;}
  var body=table.tBodies[0];
  var rows=Array.prototype.slice.call(body.rows);
  rows.forEach(function(r,i){r.setAttribute('data-i',String(i));});
  var heads=Array.prototype.slice.call(table.tHead.rows[0].cells);
  // A cell's sort key: its data-v number when it has one (NaN and blanks sort last),
  // else its text.
  function key(row,col){
    var c=row.cells[col];var v=c.getAttribute('data-v');
    if(v!==null){var x=parseFloat(v);return isNaN(x)?null:x;}
    return c.textContent;
  }
  function sortBy(col,dir){
    var sorted=rows.slice().sort(function(a,b){
      var x=key(a,col),y=key(b,col);
      if(x===null||y===null){if(x===y)return a.getAttribute('data-i')-b.getAttribute('data-i');
        return x===null?1:-1;}
      var c=(typeof x==='number'&&typeof y==='number')?x-y:String(x).localeCompare(String(y));
      if(c===0)return a.getAttribute('data-i')-b.getAttribute('data-i');
      return dir*c;
    });
    sorted.forEach(function(r){body.appendChild(r);});
    heads.forEach(function(h,i){
      if(i===col)h.setAttribute('aria-sort',dir>0?'ascending':'descending');
      else h.removeAttribute('aria-sort');
    });
  }
  heads.forEach(function(h,i){
    h.addEventListener('click',function(){
      sortBy(i,h.getAttribute('aria-sort')==='ascending'?-1:1);
    });
  });
  var boxes=Array.prototype.slice.call(document.querySelectorAll('input[data-status]'));
  var shown=document.getElementById('shown');
  function filter(){
    var on={};boxes.forEach(function(b){on[b.getAttribute('data-status')]=b.checked;});
    var n=0;
    rows.forEach(function(r){var s=r.getAttribute('data-status');var vis=on[s]!==false;
      r.style.display=vis?'':'none';if(vis)n+=1;});
    if(shown)shown.textContent=String(n);
  }
  boxes.forEach(function(b){b.addEventListener('change',filter);});
  filter();
  document.documentElement.setAttribute('data-ready','1');
})();
)js";
}

}  // namespace qrsweep::report
