import { presignUrlSync } from './dist/src/node.js';
import { decodeQuery, percentDecodePath } from './dist/src/verify.js';
const DAY=Date.UTC(2025,5,1);
const ts = Array.from({length:1000},(_,i)=>{ const u=presignUrlSync({bucket:'bench-bucket',key:`photos/2025/06/01/IMG_${i} (edit).jpg`,expires:3600,region:'cn-hangzhou',credentials:{accessKeyId:'LTAI5tBench',accessKeySecret:'x'},date:DAY}).url; return u.slice(u.indexOf('/',8)); });
const N=300000; const c0=process.cpuUsage(); let n=0; for(let i=0;i<N;i++){ const t=ts[i%1000]; const q=t.indexOf('?'); n+=decodeQuery(t.slice(q+1)).length; n+=percentDecodePath(t.slice(0,q)).length; } const c=process.cpuUsage(c0); console.log('decode us/op',((c.user+c.system)/N).toFixed(2), ts[0]);
