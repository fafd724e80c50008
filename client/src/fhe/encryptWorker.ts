/** Entry of an encryption worker thread (see encryptPool.ts): one fhEVM or TFHE encryptor per thread. */
import { openEncryptor } from "./encryptors";
import { serveJobs } from "./workerPool";

serveJobs(openEncryptor);
